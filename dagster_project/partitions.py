"""Partitions of the report assets: calendar months and ISO weeks (starting Monday) in the
reporting time zone (the dbt var ``rw_reporting_tz`` in force, the one the KPI months use).
RW_REPORT_START moves the first partition."""

import os

import dagster as dg

from dagster_project.config import effective_vars
from dagster_project.settings import get_settings

REPORTING_TIMEZONE = str(effective_vars(get_settings().config_file)["rw_reporting_tz"])
PARTITIONS_START = os.environ.get("RW_REPORT_START", "2024-01-01")

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone=REPORTING_TIMEZONE)
weekly_partitions = dg.WeeklyPartitionsDefinition(start_date=PARTITIONS_START, timezone=REPORTING_TIMEZONE,
                                                  day_offset=1)
