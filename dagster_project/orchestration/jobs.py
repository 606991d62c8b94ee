"""Jobs: the warehouse build (ingest → validate → dbt → publish)."""

import dagster as dg

WAREHOUSE_JOB_NAME = "warehouse_job"

warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB_NAME,
    selection=dg.AssetSelection.groups("landing", "staging", "intermediate", "marts", "published"),
    description="Ingest new deliveries, validate them, build the dbt models and publish the warehouse.",
    executor_def=dg.in_process_executor,  # one process writes the work DuckDB (single-writer)
)
