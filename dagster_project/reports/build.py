"""Building one period's report folder: CSV, XLSX, PDF and the signed manifest.

Reproducibility. A report's content (CSV, XLSX cells) is a function of the marts, the period and
the data cut-off only; "generated at" appears in the PDF cover and the manifest, nowhere else. The
cut-off of a period's *first* build is recorded in the manifest and in the state database
(``report_approvals.cutoff_at``). Every later build of that period uses that same cut-off (unless
that build was blocked by incomplete data or rejected by the reviewer) unless a new one is named (``--cutoff``; ``--cutoff latest`` takes the published one): when the published
marts carry the same cut-off they are read directly; when later deliveries have moved the published
cut-off on, the pipeline's as-of rebuild (``dagster_project.orchestration.assets.asof``, the same job as
``rightswatch run --cutoff``) publishes the marts as of the recorded cut-off into a scratch folder, and
the report reads that published file. Report code never runs dbt itself. Same cut-off, same data:
same CSV bytes.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dagster_project.orchestration.assets.asof import rebuild_as_of
from dagster_project.reports import manifest as mf
from dagster_project.reports.data import (
    DEFAULT_TZ,
    ReportContent,
    latest_pipeline_run,
    load_report,
    published_cutoff,
    read_config,
)
from dagster_project.reports.periods import Period
from dagster_project.reports.render import write_csvs, write_pdf, write_xlsx
from dagster_project.settings import Settings, get_settings
from dagster_project.state import approvals
from dagster_project.state.db import connect_state
from dagster_project.warehouse.publish import open_published

LANGS = ("zh", "en", "both")


@dataclass
class BuildResult:
    period: Period
    report_dir: Path
    manifest: dict[str, Any]
    blockers: list[str]
    source: str                         # 'published' | 'as_of_rebuild'
    files: list[str] = field(default_factory=list)

    @property
    def deliverable(self) -> bool:
        return not self.blockers


def _parse_cutoff(text: str, tz: str) -> datetime:
    """A local cut-off ('2026-01-31', '2026-01-31 23:59:59[.ffffff]') to a naive UTC timestamp."""
    text = text.strip().replace("T", " ")
    local = datetime.fromisoformat(text)
    if len(text) == 10:  # a day: its end
        local = local.replace(hour=23, minute=59, second=59, microsecond=999999)
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def _local_str(utc_naive: datetime, tz: str) -> str:
    local = utc_naive.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return local.isoformat(sep=" ", timespec="microseconds")


def recorded_cutoff(settings: Settings, period: Period) -> datetime | None:
    if not settings.state_db.exists():
        return None
    con = connect_state(settings.state_db)
    try:
        report = approvals.get_report(con, period.key)
    finally:
        con.close()
    # Only a report that could go out pins its cut-off: a build blocked by incomplete data, or one a
    # reviewer rejected, is rebuilt on the newest data.
    if report and report.get("cutoff_at") and not report.get("blocked_reason") and report["status"] != "rejected":
        return datetime.fromisoformat(report["cutoff_at"])
    return None


def build_report(period: Period, *, out_dir: Path | None = None, lang: str = "both", cutoff: str | None = None,
                 run_id: str | None = None, built_by: str = approvals.SYSTEM_ACTOR,
                 settings: Settings | None = None, record: bool = True,
                 generated_at: datetime | None = None) -> BuildResult:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGS)}")
    settings = settings or get_settings()
    run_id = run_id or f"manual-{uuid.uuid4().hex[:12]}"
    generated_at = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)

    with open_published(settings.warehouse) as con:
        tz = str(read_config(con).get("rw_reporting_tz") or DEFAULT_TZ)
        current = published_cutoff(con)
        run = latest_pipeline_run(con)  # the run behind the published warehouse decides deliverability
    if cutoff and cutoff.strip().lower() == "latest":
        wanted = None
    elif cutoff:
        wanted = _parse_cutoff(cutoff, tz)
    else:
        wanted = recorded_cutoff(settings, period)

    scratch: Path | None = None
    try:
        if wanted is None or wanted == current:
            source, marts_path = "published", settings.warehouse
        else:
            scratch = Path(tempfile.mkdtemp(prefix=f"rw-report-{period.key}-"))
            marts_path = rebuild_as_of(settings, _local_str(wanted, tz), scratch)
            source = "as_of_rebuild"
        with open_published(marts_path) as con:
            content = load_report(con, period, lang, pipeline_run=run)
        if wanted is not None and content.cutoff_at != wanted:
            raise RuntimeError(f"the marts were built as of {content.cutoff_at}, not the requested cut-off {wanted}")
        result = _write(content, settings, period, out_dir, run_id, generated_at, source)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    if record:
        con = connect_state(settings.state_db)
        try:
            approvals.record_built(
                con, period.key, kind=period.kind, report_dir=str(result.report_dir), built_by=built_by,
                cutoff_at=content.cutoff_at.isoformat() if content.cutoff_at else None,
                manifest_sha256=mf.manifest_sha256(result.report_dir), run_id=run_id,
                blocked_reason="; ".join(result.blockers) or None)
        finally:
            con.close()
    return result


def _write(content: ReportContent, settings: Settings, period: Period, out_dir: Path | None, run_id: str,
           generated_at: datetime, source: str) -> BuildResult:
    final = Path(out_dir) if out_dir else settings.reports / period.key
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.with_name(f".{final.name}.building-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    try:
        stem = f"rightswatch_{period.key}"
        write_csvs(content, staging)
        write_xlsx(content, staging / f"{stem}.xlsx")
        write_pdf(content, staging / f"{stem}.pdf", generated_at=generated_at, run_id=run_id,
                  blockers=content.blockers)
        manifest = mf.write_manifest(staging, {
            "period": period.key,
            "period_kind": period.kind,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "kpi_month": period.month_start.isoformat(),
            "language": content.lang,
            "cutoff_at_utc": content.cutoff_at.isoformat() if content.cutoff_at else None,
            "cutoff_local": content.cutoff_local.isoformat() if content.cutoff_local else None,
            "reporting_tz": content.reporting_tz,
            "generated_at_utc": generated_at.isoformat() + "Z",
            "run_id": run_id,
            "source": source,
            "configuration": content.config,
            "data_quality": {**content.dq, "pipeline_run": content.pipeline_run,
                             "deliverable": not content.blockers, "blockers": content.blockers},
        }, mf.signing_key(settings.warehouse))
        # swap the finished folder in; an older build of the period is replaced whole
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
            final.rename(old)
        staging.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(period=period, report_dir=final, manifest=manifest, blockers=list(content.blockers),
                       source=source, files=[f["path"] for f in manifest["files"]] + [mf.MANIFEST_NAME])
