"""Schedules: build the warehouse every morning after the platform's nightly export."""

import dagster as dg

from dagster_project.orchestration.jobs import warehouse_job

warehouse_daily = dg.ScheduleDefinition(
    name="warehouse_daily",
    job=warehouse_job,
    cron_schedule="0 7 * * *",
    execution_timezone="Asia/Shanghai",
    description="07:00 Asia/Shanghai: load yesterday's deliveries and republish.",
)
