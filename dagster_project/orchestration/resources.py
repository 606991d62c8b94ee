"""Dagster resources. Paths come from the environment (dagster_project.settings), so dbt, Dagster,
the CLI and the dashboards always agree on one warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from dagster_project.orchestration.run_lock import hold_for_run
from dagster_project.settings import Settings, get_settings


class WarehouseResource(dg.ConfigurableResource):
    """Where the landing root and the warehouse are, and how a run reports progress.

    Every step that touches the warehouse uses this resource, so its lifetime is where a run holds the
    warehouse lock (dagster_project.orchestration.run_lock): taken when the run's resources are set up, released when
    they are torn down. The warehouse job and the as-of job run their steps in one process
    (in_process_executor), so resources are set up once and the lock covers the whole run, whether it
    was started from the CLI, the `make dagster` UI, the schedule or the sensor. A run started while
    another holds the warehouse fails before any step with ``WarehouseBusy`` and is recorded as refused.
    """

    def settings(self) -> Settings:
        return get_settings()

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        with hold_for_run(self.settings(), run_id=context.run_id):
            yield self


def progress(context: dg.AssetExecutionContext | dg.OpExecutionContext, message: str, *,
             dagster_log: bool = True) -> None:
    """One progress line: in the Dagster log, and on stdout when the CLI asked for it (RW_PROGRESS=1).

    ``dagster_log=False`` for a line the run's own events already record (a model built is its
    materialization): every log line is one more write to the event log."""
    if dagster_log:
        context.log.info(message)
    if os.environ.get("RW_PROGRESS") == "1":
        print(f"  {message}", flush=True)


def build_resources() -> dict[str, object]:
    """The resources of the full Definitions. dbt's resource is imported here, not at the top: the steps
    that never start dbt (ingestion alone, the privacy jobs) load without dagster-dbt, 2 s of imports."""
    from dagster_project.orchestration.dbt_project import rightswatch_dbt
    from dagster_project.orchestration.dbt_resource import DBT_WRAPPER, PipelineDbtCli, dbt_child_environment

    dbt_child_environment()
    return {
        "warehouse": WarehouseResource(),
        "dbt": PipelineDbtCli(project_dir=rightswatch_dbt(), dbt_executable=str(DBT_WRAPPER)),
    }
