"""Sending an approved report to the configured recipients, with retries and tracked status.

Configuration (environment):

- ``RW_REPORT_DELIVERY``   ``attachments`` (default: every file attached), ``link`` (a link to the
  report folder, ``RW_REPORT_LINK_BASE`` + period, and the manifest attached) or ``outbox`` (no mail:
  the files and the ready-made message are copied to ``RW_REPORT_OUTBOX``/<period>/ for a person or
  another system to carry over, e.g. to an air-gapped regulator portal).
- ``RW_SMTP_HOST``, ``RW_SMTP_PORT`` (25), ``RW_SMTP_USER`` / ``RW_SMTP_PASSWORD`` (optional),
  ``RW_SMTP_SSL`` / ``RW_SMTP_STARTTLS`` (true|false), ``RW_SMTP_FROM``, ``RW_REPORT_RECIPIENTS``
  (comma-separated).
- ``RW_REPORT_RETRIES`` attempts (4) with exponential backoff from ``RW_REPORT_RETRY_BASE_SECONDS`` (2).
- ``RW_REPORT_AUTO_SEND=true``: the scheduled job approves as ``system`` and sends at once.

Before anything leaves, the folder is verified against its signed manifest and that manifest must be
the one that was approved; a blocked report (built from a failed or incomplete run) is never sent.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from dagster_project.reports import manifest as mf
from dagster_project.settings import Settings, get_settings
from dagster_project.state import approvals
from dagster_project.state.db import connect_state

CHANNELS = ("attachments", "link", "outbox")


class DeliveryError(RuntimeError):
    pass


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def auto_send_enabled() -> bool:
    return _flag("RW_REPORT_AUTO_SEND")


@dataclass(frozen=True)
class DeliveryConfig:
    channel: str
    recipients: list[str]
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_ssl: bool
    smtp_starttls: bool
    sender: str
    outbox: Path
    link_base: str | None
    attempts: int
    backoff_seconds: float

    @classmethod
    def from_env(cls, settings: Settings) -> DeliveryConfig:
        channel = os.environ.get("RW_REPORT_DELIVERY", "attachments").strip().lower()
        if channel not in CHANNELS:
            raise DeliveryError(f"RW_REPORT_DELIVERY={channel!r}: choose one of {', '.join(CHANNELS)}")
        recipients = [r.strip() for r in os.environ.get("RW_REPORT_RECIPIENTS", "").split(",") if r.strip()]
        return cls(
            channel=channel,
            recipients=recipients,
            smtp_host=os.environ.get("RW_SMTP_HOST") or None,
            smtp_port=int(os.environ.get("RW_SMTP_PORT") or 25),
            smtp_user=os.environ.get("RW_SMTP_USER") or None,
            smtp_password=os.environ.get("RW_SMTP_PASSWORD") or None,
            smtp_ssl=_flag("RW_SMTP_SSL"),
            smtp_starttls=_flag("RW_SMTP_STARTTLS"),
            sender=os.environ.get("RW_SMTP_FROM") or "rightswatch@localhost",
            outbox=Path(os.environ.get("RW_REPORT_OUTBOX") or settings.reports / "outbox").expanduser(),
            link_base=os.environ.get("RW_REPORT_LINK_BASE") or None,
            attempts=max(1, int(os.environ.get("RW_REPORT_RETRIES") or 4)),
            backoff_seconds=float(os.environ.get("RW_REPORT_RETRY_BASE_SECONDS") or 2),
        )

    def check(self) -> None:
        if self.channel != "outbox":
            if not self.smtp_host:
                raise DeliveryError("RW_SMTP_HOST is not set: cannot send the report by mail")
            if not self.recipients:
                raise DeliveryError("RW_REPORT_RECIPIENTS is empty: nobody to send the report to")


def build_message(report_dir: Path, manifest: dict[str, Any], config: DeliveryConfig) -> EmailMessage:
    period = manifest["period"]
    msg = EmailMessage()
    msg["Subject"] = f"[RightsWatch] 消费者权益保护监管报告 {period} / Consumer-rights report {period}"
    msg["From"] = config.sender
    msg["To"] = ", ".join(config.recipients) if config.recipients else "undisclosed-recipients:;"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="rightswatch.local")
    lines = [
        f"报告期 / Period: {period} ({manifest['period_start']} — {manifest['period_end']})",
        f"数据截止时间 / Data cut-off: {manifest.get('cutoff_local')} ({manifest.get('reporting_tz')})",
        f"运行编号 / Run id: {manifest.get('run_id')}",
        f"清单签名 / Manifest signature ({manifest['signature']['algorithm']}, key id "
        f"{manifest['signature']['key_id']}): {manifest['signature']['value']}",
        "核验 / Verify: rightswatch report verify <文件夹/folder> --public-key <平台公钥/platform public key>.pem",
        "",
        "文件 / Files (SHA-256):",
        *[f"  {f['path']}  {f['bytes']} bytes  {f['sha256']}" for f in manifest["files"]],
    ]
    if config.channel == "link":
        base = config.link_base.rstrip("/") + "/" + period if config.link_base else report_dir.resolve().as_uri()
        lines[0:0] = [f"报告下载 / Report: {base}", ""]
    msg.set_content("\n".join(lines) + "\n")
    attach = [mf.MANIFEST_NAME]
    if config.channel in ("attachments", "outbox"):
        attach = [f["path"] for f in manifest["files"]] + [mf.MANIFEST_NAME]
    for rel in attach:
        path = report_dir / rel
        ctype, _ = mimetypes.guess_type(path.name)
        maintype, subtype = (ctype or "application/octet-stream").split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=rel.replace("/", "_"))
    return msg


def _send_smtp(msg: EmailMessage, config: DeliveryConfig) -> None:
    smtp_cls = smtplib.SMTP_SSL if config.smtp_ssl else smtplib.SMTP
    with smtp_cls(config.smtp_host, config.smtp_port, timeout=30) as smtp:
        if config.smtp_starttls and not config.smtp_ssl:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
        smtp.send_message(msg, from_addr=config.sender, to_addrs=config.recipients)


def _to_outbox(msg: EmailMessage, report_dir: Path, period: str, config: DeliveryConfig) -> None:
    target = config.outbox / period
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(report_dir, target)
    (target / "message.eml").write_bytes(bytes(msg))


def deliver(period: str, *, settings: Settings | None = None, actor: str = approvals.SYSTEM_ACTOR,
            sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Send one approved report; returns its updated state row. Raises DeliveryError when it cannot."""
    settings = settings or get_settings()
    con = connect_state(settings.state_db)
    try:
        report = approvals.get_report(con, period)
        if report is None:
            raise DeliveryError(f"no report has been built for {period}")
        if report["blocked_reason"]:
            raise DeliveryError(f"report {period} was built from a failed or incomplete run and is never sent: "
                                f"{report['blocked_reason']}")
        if report["status"] not in ("approved", "failed"):
            raise DeliveryError(f"report {period} is {report['status']}: it must be approved before it is sent")
        report_dir = Path(report["report_dir"])
        problems = mf.verify(report_dir, mf.signing_key(settings.warehouse).public_key())
        if not problems and mf.manifest_sha256(report_dir) != report["manifest_sha256"]:
            problems = ["manifest.json is not the manifest that was approved"]
        if problems:
            error = "report folder failed verification: " + "; ".join(problems)
            approvals.mark_failed(con, period, error, actor)
            raise DeliveryError(error)
        config = DeliveryConfig.from_env(settings)
        try:
            config.check()
        except DeliveryError as exc:
            approvals.mark_failed(con, period, str(exc), actor)
            raise
        manifest = mf.load_manifest(report_dir)  # verified just above
        msg = build_message(report_dir, manifest, config)
        last_error = ""
        for attempt in range(1, config.attempts + 1):
            try:
                if config.channel == "outbox":
                    _to_outbox(msg, report_dir, period, config)
                else:
                    _send_smtp(msg, config)
            except (OSError, smtplib.SMTPException) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                approvals.record_delivery_attempt(con, period, attempt=attempt, channel=config.channel,
                                                  recipients=config.recipients, status="failed",
                                                  error=last_error, manifest_sha256=report["manifest_sha256"])
                if attempt < config.attempts:
                    sleep(config.backoff_seconds * 2 ** (attempt - 1))
                continue
            approvals.record_delivery_attempt(con, period, attempt=attempt, channel=config.channel,
                                              recipients=config.recipients, status="sent",
                                              manifest_sha256=report["manifest_sha256"])
            return approvals.mark_sent(con, period, actor, {
                "channel": config.channel, "recipients": config.recipients, "attempts": attempt,
                "manifest_sha256": report["manifest_sha256"]})
        approvals.mark_failed(con, period, f"{config.attempts} attempt(s) failed; last: {last_error}", actor)
        raise DeliveryError(f"report {period} could not be delivered after {config.attempts} attempt(s): {last_error}")
    finally:
        con.close()
