"""Dagster definitions of the regulator reports: wire ``report_assets``, ``report_jobs``,
``report_schedules`` and ``report_sensors`` into the code location's ``Definitions``.

- ``regulator_report_monthly``: one partition per calendar month (Asia/Shanghai). Its schedule runs at
  06:00 Asia/Shanghai on the 1st for the month just ended (``RW_REPORT_SCHEDULE_DAY`` /
  ``RW_REPORT_SCHEDULE_HOUR`` move it). ``regulator_report_weekly``: ISO weeks, Monday 06:00 for the
  week just ended (schedule stopped by default).
- A report built from a failed or incomplete run is written (for inspection) and recorded as blocked,
  and the run FAILS, so the schedule's tick shows red in Dagster; nothing is sent.
- With ``RW_REPORT_AUTO_SEND=true`` the run approves as ``system`` and delivers at once (and fails
  when delivery fails after its retries). Otherwise the report waits for a person's approval
  (dashboard or ``rightswatch report approve``); ``approved_report_sensor`` then starts
  ``report_delivery_job`` for it.
"""


import os

import dagster as dg

from dagster_project.orchestration.partitions import monthly_partitions, weekly_partitions
from dagster_project.reports.build import build_report
from dagster_project.reports.delivery import DeliveryError, auto_send_enabled, deliver
from dagster_project.reports.periods import period_from_partition_key
from dagster_project.settings import get_settings
from dagster_project.state import approvals
from dagster_project.state.db import connect_state


def _materialize(context: dg.AssetExecutionContext, kind: str) -> dg.MaterializeResult:
    period = period_from_partition_key(context.partition_key, kind)
    result = build_report(period, run_id=context.run_id, built_by=approvals.SYSTEM_ACTOR)
    metadata = {
        "period": period.key,
        "report_dir": dg.MetadataValue.path(str(result.report_dir)),
        "files": len(result.files),
        "cutoff_local": str(result.manifest.get("cutoff_local")),
        "source": result.source,
        "manifest_signature": result.manifest["signature"]["value"],
    }
    if result.blockers:
        raise dg.Failure(
            description=f"report {period.key} was built from a failed or incomplete run and will not be sent: "
                        + "; ".join(result.blockers),
            metadata={**metadata, "blockers": "\n".join(result.blockers)},
        )
    status = "built (waiting for approval)"
    if auto_send_enabled():
        con = connect_state(get_settings().state_db)
        try:
            approvals.approve(con, period.key, approvals.SYSTEM_ACTOR)
        finally:
            con.close()
        try:
            row = deliver(period.key)
        except DeliveryError as exc:
            raise dg.Failure(description=f"report {period.key} was not delivered: {exc}", metadata=metadata) from exc
        status = row["status"]
    context.log.info(f"report {period.key}: {status} in {result.report_dir}")
    return dg.MaterializeResult(metadata={**metadata, "status": status})


@dg.asset(partitions_def=monthly_partitions, group_name="reports", kinds={"pdf", "excel", "csv"},
          description="Monthly regulator report (PDF, XLSX, CSV, signed manifest) in <RW_REPORTS>/<YYYY-MM>/.")
def regulator_report_monthly(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return _materialize(context, "month")


@dg.asset(partitions_def=weekly_partitions, group_name="reports", kinds={"pdf", "excel", "csv"},
          description="Weekly regulator report (month-to-date figures) in <RW_REPORTS>/<YYYY-Www>/.")
def regulator_report_weekly(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return _materialize(context, "week")


regulator_report_monthly_job = dg.define_asset_job(
    "regulator_report_monthly_job", selection=[regulator_report_monthly], partitions_def=monthly_partitions)
regulator_report_weekly_job = dg.define_asset_job(
    "regulator_report_weekly_job", selection=[regulator_report_weekly], partitions_def=weekly_partitions)


class DeliveryConfig(dg.Config):
    periods: list[str] = []  # empty: every approved report not yet sent


@dg.op(description="Send approved regulator reports; fails when one cannot be delivered.")
def deliver_approved_reports(context: dg.OpExecutionContext, config: DeliveryConfig) -> None:
    con = connect_state(get_settings().state_db)
    try:
        periods = config.periods or [r["period"] for r in approvals.list_reports(con, status="approved")]
    finally:
        con.close()
    failures = []
    for period in periods:
        try:
            row = deliver(period)
            context.log.info(f"report {period}: {row['status']}")
        except DeliveryError as exc:
            failures.append(f"{period}: {exc}")
    if failures:
        raise dg.Failure(description="delivery failed for " + "; ".join(failures))


@dg.job(description="Deliver approved regulator reports (started by approved_report_sensor).")
def report_delivery_job() -> None:
    deliver_approved_reports()


@dg.sensor(job=report_delivery_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Starts delivery of each report approved in the dashboard or on the command line.")
def approved_report_sensor(context: dg.SensorEvaluationContext):
    state_db = get_settings().state_db
    if not state_db.exists():
        return dg.SkipReason("no state database yet")
    con = connect_state(state_db)
    try:
        waiting = approvals.list_reports(con, status="approved")
    finally:
        con.close()
    if not waiting:
        return dg.SkipReason("no approved report waiting to be sent")
    return [dg.RunRequest(run_key=f"deliver:{r['period']}:{r['manifest_sha256']}:{r['approved_at']}",
                          run_config={"ops": {"deliver_approved_reports": {"config": {"periods": [r["period"]]}}}},
                          tags={"rightswatch/report_period": r["period"]})
            for r in waiting]


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.strip() else default


regulator_report_monthly_schedule = dg.build_schedule_from_partitioned_job(
    regulator_report_monthly_job,
    name="regulator_report_monthly_schedule",
    description="06:00 Asia/Shanghai on the 1st: the report for the month just ended.",
    day_of_month=_int_env("RW_REPORT_SCHEDULE_DAY", 1),
    hour_of_day=_int_env("RW_REPORT_SCHEDULE_HOUR", 6),
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
regulator_report_weekly_schedule = dg.build_schedule_from_partitioned_job(
    regulator_report_weekly_job,
    name="regulator_report_weekly_schedule",
    description="Monday 06:00 Asia/Shanghai: the report for the ISO week just ended.",
    day_of_week=1,
    hour_of_day=_int_env("RW_REPORT_SCHEDULE_HOUR", 6),
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

report_assets = [regulator_report_monthly, regulator_report_weekly]
report_jobs = [regulator_report_monthly_job, regulator_report_weekly_job, report_delivery_job]
report_schedules = [regulator_report_monthly_schedule, regulator_report_weekly_schedule]
report_sensors = [approved_report_sensor]
