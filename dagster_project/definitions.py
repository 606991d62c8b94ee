"""The one Definitions object: `dagster dev -m dagster_project.definitions` and `rightswatch run` load it."""

import dagster as dg

from dagster_project.orchestration.assets.asof import asof_job, asof_warehouse
from dagster_project.orchestration.assets.dbt import rightswatch_dbt_models
from dagster_project.orchestration.assets.decisions import management_decisions
from dagster_project.orchestration.assets.ingestion import landing_ingestion
from dagster_project.orchestration.assets.publication import published_warehouse
from dagster_project.orchestration.jobs import warehouse_job
from dagster_project.orchestration.landing_only import landing_only_job
from dagster_project.orchestration.resources import build_resources
from dagster_project.orchestration.schedules import warehouse_daily
from dagster_project.orchestration.sensors import new_delivery_sensor, warehouse_failure_sensor
from dagster_project.privacy.definitions import privacy_retention_job, privacy_retention_weekly
from dagster_project.reports import definitions as reports

defs = dg.Definitions(
    assets=[landing_ingestion, management_decisions, rightswatch_dbt_models, published_warehouse, asof_warehouse,
            *reports.report_assets],
    jobs=[warehouse_job, landing_only_job, asof_job, privacy_retention_job, *reports.report_jobs],
    schedules=[warehouse_daily, privacy_retention_weekly, *reports.report_schedules],
    sensors=[new_delivery_sensor, warehouse_failure_sensor, *reports.report_sensors],
    resources=build_resources(),
)
