"""Delivery of regulator reports: the Dagster job for a month runs in-process and a real SMTP server
(aiosmtpd on 127.0.0.1) receives the report; a failed run sends nothing; retries are tracked."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from test_reports_support import make_marts

from dagster_project.reports import definitions as report_defs
from dagster_project.reports.delivery import DeliveryError, deliver
from dagster_project.reports.manifest import verify
from dagster_project.state import approvals
from dagster_project.state.audit import read_audit_log
from dagster_project.state.db import connect_state
from dashboards.serving import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"



@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def env(tmp_path, monkeypatch, smtp):
    port, _ = smtp
    warehouse = make_marts(tmp_path / "warehouse" / "rightswatch.duckdb")
    for name in ("RW_REPORT_SIGNING_KEY", "RW_REPORT_AUTO_SEND", "RW_CONFIG", "RW_SMTP_USER", "RW_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("RW_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setenv("RW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RW_SMTP_PORT", str(port))
    monkeypatch.setenv("RW_REPORT_RECIPIENTS", "regulator@samr.example, audit@platform.example")
    monkeypatch.setenv("RW_REPORT_DELIVERY", "attachments")
    monkeypatch.setenv("RW_REPORT_RETRY_BASE_SECONDS", "0.01")
    return tmp_path


def _defs() -> dg.Definitions:
    return dg.Definitions(assets=report_defs.report_assets, jobs=report_defs.report_jobs,
                          schedules=report_defs.report_schedules, sensors=report_defs.report_sensors)


def _run_scheduled_month(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """What the schedule does on 1 Feb 2026 06:00 Asia/Shanghai: run the job for the month just ended."""
    defs = _defs()
    schedule = defs.resolve_schedule_def("regulator_report_monthly_schedule")
    tick = schedule.evaluate_tick(dg.build_schedule_context(
        instance=instance, scheduled_execution_time=datetime(2026, 2, 1, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))))
    (request,) = tick.run_requests
    assert request.partition_key == "2026-01-01"
    job = defs.resolve_job_def(schedule.job_name)
    return job.execute_in_process(instance=instance, partition_key=request.partition_key, raise_on_error=False)


def _state(env):
    return connect_state(env / "warehouse" / "rightswatch.state.sqlite")


def test_schedule_is_0600_shanghai_on_the_first():
    defs = _defs()
    monthly = defs.resolve_schedule_def("regulator_report_monthly_schedule")
    assert (monthly.cron_schedule, monthly.execution_timezone) == ("0 6 1 * *", "Asia/Shanghai")
    weekly = defs.resolve_schedule_def("regulator_report_weekly_schedule")
    assert (weekly.cron_schedule, weekly.execution_timezone) == ("0 6 * * 1", "Asia/Shanghai")


def test_auto_send_job_delivers_to_the_smtp_server(env, smtp, monkeypatch):
    _, inbox = smtp
    monkeypatch.setenv("RW_REPORT_AUTO_SEND", "true")
    with dg.instance_for_test() as instance:
        result = _run_scheduled_month(instance)
    assert result.success
    assert len(inbox.messages) == 1
    rcpts, msg = inbox.messages[0]
    assert rcpts == ["regulator@samr.example", "audit@platform.example"]
    assert "2026-01" in msg["Subject"] and "监管报告" in msg["Subject"]
    names = {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}
    assert {"rightswatch_2026-01.pdf", "rightswatch_2026-01.xlsx", "manifest.json",
            "csv_kpis_utf8.csv", "csv_kpis_gb18030.csv"} <= set(names)
    folder = env / "reports" / "2026-01"
    assert names["rightswatch_2026-01.pdf"] == (folder / "rightswatch_2026-01.pdf").read_bytes()
    assert names["manifest.json"] == (folder / "manifest.json").read_bytes()
    con = _state(env)
    row = approvals.list_reports(con)[0]
    assert row["status"] == "sent" and row["approved_by"] == "system"
    assert [(d["attempt"], d["status"]) for d in row["deliveries"]] == [(1, "sent")]
    assert {"report_built", "report_approved", "report_sent"} <= {e["action"] for e in read_audit_log(con)}
    con.close()


def test_without_auto_send_the_report_waits_for_approval_then_the_sensor_sends_it(env, smtp):
    _, inbox = smtp
    with dg.instance_for_test() as instance:
        assert _run_scheduled_month(instance).success
        assert inbox.messages == []
        defs = _defs()
        sensor = defs.resolve_sensor_def("approved_report_sensor")
        assert isinstance(sensor.evaluate_tick(dg.build_sensor_context(instance=instance)).skip_message, str)
        con = _state(env)
        assert approvals.get_report(con, "2026-01")["status"] == "built"
        approvals.approve(con, "2026-01", "bob")
        con.close()
        (request,) = sensor.evaluate_tick(dg.build_sensor_context(instance=instance)).run_requests
        job = defs.resolve_job_def("report_delivery_job")
        assert job.execute_in_process(instance=instance, run_config=request.run_config).success
    assert len(inbox.messages) == 1
    con = _state(env)
    assert approvals.get_report(con, "2026-01")["status"] == "sent"
    con.close()


@pytest.mark.parametrize("kwargs", [{"pipeline_status": "failed"}, {"failed_error_check": True},
                                    {"unreconciled": True}])
def test_failed_run_sends_nothing_and_fails_the_scheduled_run(env, smtp, monkeypatch, kwargs):
    _, inbox = smtp
    make_marts(env / "warehouse" / "rightswatch.duckdb", **kwargs)
    monkeypatch.setenv("RW_REPORT_AUTO_SEND", "true")
    with dg.instance_for_test() as instance:
        result = _run_scheduled_month(instance)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        assert "will not be sent" in failure.step_failure_data.error.message
    assert inbox.messages == []
    con = _state(env)
    row = approvals.get_report(con, "2026-01")
    assert row["status"] == "built" and row["blocked_reason"]
    with pytest.raises(approvals.ApprovalError):
        approvals.approve(con, "2026-01", "bob")
    con.close()
    with pytest.raises(DeliveryError, match="never sent"):
        deliver("2026-01")
    assert inbox.messages == []


def test_unreachable_server_is_retried_with_backoff_and_marked_failed(env, monkeypatch):
    from dagster_project.reports.build import build_report
    from dagster_project.reports.periods import parse_period

    monkeypatch.setenv("RW_SMTP_PORT", str(free_port()))  # nobody listens there
    monkeypatch.setenv("RW_REPORT_RETRIES", "3")
    monkeypatch.setenv("RW_REPORT_RETRY_BASE_SECONDS", "2")
    build_report(parse_period("2026-01"), built_by="alice")
    con = _state(env)
    approvals.approve(con, "2026-01", "bob")
    waits: list[float] = []
    with pytest.raises(DeliveryError, match="after 3 attempt"):
        deliver("2026-01", sleep=waits.append)
    assert waits == [2, 4]
    row = approvals.list_reports(con)[0]
    assert row["status"] == "failed" and "ConnectionRefusedError" in row["last_error"]
    assert [(d["attempt"], d["status"]) for d in row["deliveries"]] == [(1, "failed"), (2, "failed"), (3, "failed")]
    con.close()


def test_a_report_changed_after_approval_is_not_sent(env, smtp):
    from dagster_project.reports.build import build_report
    from dagster_project.reports.periods import parse_period

    _, inbox = smtp
    folder = build_report(parse_period("2026-01"), built_by="alice").report_dir
    con = _state(env)
    approvals.approve(con, "2026-01", "bob")
    (folder / "csv" / "kpis_utf8.csv").write_text("tampered")
    with pytest.raises(DeliveryError, match="csv/kpis_utf8.csv"):
        deliver("2026-01")
    assert inbox.messages == []
    assert approvals.get_report(con, "2026-01")["status"] == "failed"
    con.close()


def test_outbox_delivery_writes_files_and_message(env, smtp, monkeypatch):
    from dagster_project.reports.build import build_report
    from dagster_project.reports.manifest import signing_key
    from dagster_project.reports.periods import parse_period

    _, inbox = smtp
    monkeypatch.setenv("RW_REPORT_DELIVERY", "outbox")
    monkeypatch.setenv("RW_REPORT_OUTBOX", str(env / "outbox"))
    build_report(parse_period("2026-01"), built_by="alice")
    con = _state(env)
    approvals.approve(con, "2026-01", "bob")
    con.close()
    assert deliver("2026-01")["status"] == "sent"
    target = env / "outbox" / "2026-01"
    assert (target / "message.eml").exists()
    (target / "message.eml").unlink()
    assert verify(target, signing_key(env / "warehouse" / "rightswatch.duckdb").public_key()) == []
    assert inbox.messages == []


def test_link_delivery_mails_the_link_and_the_manifest_only(env, smtp, monkeypatch):
    from dagster_project.reports.build import build_report
    from dagster_project.reports.periods import parse_period

    _, inbox = smtp
    monkeypatch.setenv("RW_REPORT_DELIVERY", "link")
    monkeypatch.setenv("RW_REPORT_LINK_BASE", "https://reports.platform.example/rw/")
    build_report(parse_period("2026-01"), built_by="alice")
    con = _state(env)
    approvals.approve(con, "2026-01", "bob")
    con.close()
    assert deliver("2026-01", actor="bob")["status"] == "sent"
    (_, msg), = inbox.messages
    assert [p.get_filename() for p in msg.iter_attachments()] == ["manifest.json"]
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "https://reports.platform.example/rw/2026-01" in body
    assert "rightswatch_2026-01.pdf" in body  # every file listed with its hash
