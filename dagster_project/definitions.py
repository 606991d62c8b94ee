"""The one Definitions object: `dagster dev -m dagster_project.definitions` and `rightswatch run` load it."""

import importlib

import dagster as dg

from dagster_project.assets.asof import asof_job, asof_warehouse
from dagster_project.assets.dbt import rightswatch_dbt_models
from dagster_project.assets.decisions import management_decisions
from dagster_project.assets.ingestion import landing_ingestion
from dagster_project.assets.publication import published_warehouse
from dagster_project.jobs import warehouse_job
from dagster_project.privacy.definitions import privacy_retention_job, privacy_retention_weekly
from dagster_project.resources import build_resources
from dagster_project.schedules import warehouse_daily
from dagster_project.sensors import new_delivery_sensor, warehouse_failure_sensor


def _report_definitions() -> dict[str, list]:
    """Report assets, jobs, schedules and sensors (dagster_project.reports), when present."""
    try:
        module = importlib.import_module("dagster_project.reports.definitions")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("dagster_project.reports"):
            return {"assets": [], "jobs": [], "schedules": [], "sensors": []}
        raise
    return {
        "assets": list(module.report_assets),
        "jobs": list(module.report_jobs),
        "schedules": list(module.report_schedules),
        "sensors": list(module.report_sensors),
    }


_reports = _report_definitions()

defs = dg.Definitions(
    assets=[landing_ingestion, management_decisions, rightswatch_dbt_models, published_warehouse, asof_warehouse,
            *_reports["assets"]],
    jobs=[warehouse_job, asof_job, privacy_retention_job, *_reports["jobs"]],
    schedules=[warehouse_daily, privacy_retention_weekly, *_reports["schedules"]],
    sensors=[new_delivery_sensor, warehouse_failure_sensor, *_reports["sensors"]],
    resources=build_resources(),
)
