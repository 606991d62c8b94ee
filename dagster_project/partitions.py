"""Partitions of the report assets: calendar months and ISO weeks (starting Monday) in the
reporting time zone. RW_REPORT_START moves the first partition."""

import os

import dagster as dg

REPORTING_TIMEZONE = "Asia/Shanghai"
PARTITIONS_START = os.environ.get("RW_REPORT_START", "2024-01-01")

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone=REPORTING_TIMEZONE)
weekly_partitions = dg.WeeklyPartitionsDefinition(start_date=PARTITIONS_START, timezone=REPORTING_TIMEZONE,
                                                  day_offset=1)
