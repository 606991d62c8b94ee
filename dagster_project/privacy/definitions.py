"""Dagster side of retention: a job that erases links to persons past the retention period, and a
weekly schedule for it. It runs outside the warehouse build (the build job holds the work file), and
the run's log shows counts only, never a pseudonym."""

import dagster as dg

from dagster_project.orchestration.resources import WarehouseResource, progress


@dg.op(description="Erase links to persons from records whose last update is past the retention period.")
def apply_retention_op(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> int:
    from dagster_project.privacy.retention import apply_retention, retention_years

    years = retention_years()
    # the warehouse resource holds the run lock for the whole run (refused while a build runs)
    result = apply_retention(warehouse.settings(), years)
    progress(context, f"retention {years:g} years: {result.links_erased} record link(s) erased, "
                      f"{result.values_changed} stored values rewritten")
    return result.links_erased


@dg.job(description="Retention: unlink records older than RW_RETENTION_YEARS (default 3) from persons.",
        executor_def=dg.in_process_executor)
def privacy_retention_job():
    apply_retention_op()


privacy_retention_weekly = dg.ScheduleDefinition(
    name="privacy_retention_weekly",
    job=privacy_retention_job,
    cron_schedule="0 3 * * 0",
    execution_timezone="Asia/Shanghai",
    description="Sundays 03:00 Asia/Shanghai, before the 07:00 build: apply the retention period.",
)
