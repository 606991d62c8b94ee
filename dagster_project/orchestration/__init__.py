"""Orchestration: the Dagster assets, jobs, schedules and sensors, the run lock and recovery, and the
glue that starts dbt (project, arguments, targets and the RW_CONFIG vars loader)."""
