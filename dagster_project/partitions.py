"""Partitions shared by the report assets: calendar months in the reporting time zone."""

import dagster as dg

REPORTING_TIMEZONE = "Asia/Shanghai"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2026-01-01", timezone=REPORTING_TIMEZONE,
                                                    end_offset=0)
