"""The dbt resource of the warehouse job: dagster-dbt's, started through a wrapper and told dbt's version."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version

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
