"""Dagster resources. Paths come from the environment (dagster_project.settings), so dbt, Dagster,
the CLI and the dashboards always agree on one warehouse."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging.version import Version

from dagster_project.orchestration.dbt_project import rightswatch_dbt
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


# dbt is started through a wrapper that makes it die with the process that started it (kill -9 of
# `rightswatch run` included): see dagster_project/bin/dbt_child.py.
DBT_WRAPPER = Path(__file__).resolve().parents[1] / "bin" / "rw-dbt"


def dbt_child_environment() -> None:
    """What the wrapper needs: this interpreter (dbt lives beside it) and this process's pid (the parent
    dbt must die with). Set in the process that starts dbt."""
    os.environ["RW_PYTHON"] = sys.executable
    os.environ["RW_DBT_PARENT_PID"] = str(os.getpid())


class PipelineDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource, told dbt's version instead of asking for it, without an adapter of its own.

    Before every build dagster-dbt runs ``<dbt_executable> --version`` to learn which dbt it drives (its
    ``_cli_version``, cached per resource instance, and a run gets a new instance): one more Python process
    importing dbt, 1.8 s alone (``time rw-dbt --version``). With the adapter below, 3.6 s passed before
    dbt's build process started (docs/performance.md). The executable is DBT_WRAPPER, which execs the dbt
    installed beside this interpreter, so the installed dbt-core's version is the answer."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """No dbt adapter in this process. dagster-dbt builds one before every build (dbt's profile and
        project read, every macro loaded: 1.4 s of a new day's run) only to fetch row counts and column
        metadata for the events, which this pipeline never asks for: DbtBuildEvents reads dbt's own
        events (dagster_project/orchestration/dbt_events.py)."""
        return None


def build_resources() -> dict[str, object]:
    dbt_child_environment()
    return {
        "warehouse": WarehouseResource(),
        "dbt": PipelineDbtCli(project_dir=rightswatch_dbt(), dbt_executable=str(DBT_WRAPPER)),
    }
