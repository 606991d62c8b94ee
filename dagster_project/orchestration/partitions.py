"""Partitions of the report assets: calendar months and ISO weeks (starting Monday) in the
reporting time zone (the dbt var ``rw_reporting_tz`` in force, the one the KPI months use).
RW_REPORT_START moves the first partition."""

import os
from zoneinfo import available_timezones

import dagster as dg

from dagster_project.orchestration.config import default_vars, effective_vars
from dagster_project.settings import get_settings


def _reporting_timezone() -> str:
    """``rw_reporting_tz`` in force. An unknown zone falls back to the declared default here, so the
    definitions still load and the run fails where the zone is used (dbt), naming the step."""
    zone = str(effective_vars(get_settings().config_file)["rw_reporting_tz"])
    return zone if zone in available_timezones() else str(default_vars()["rw_reporting_tz"])


REPORTING_TIMEZONE = _reporting_timezone()
PARTITIONS_START = os.environ.get("RW_REPORT_START", "2024-01-01")

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone=REPORTING_TIMEZONE)
weekly_partitions = dg.WeeklyPartitionsDefinition(start_date=PARTITIONS_START, timezone=REPORTING_TIMEZONE,
                                                  day_offset=1)
