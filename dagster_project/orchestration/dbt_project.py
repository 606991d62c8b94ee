"""The one cached DbtProject, with a manifest that is never stale.

`dagster dev` re-parses on its own; the CLI and tests load definitions in-process, so the manifest
is (re)built here whenever a dbt file is newer than it.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import cache
from pathlib import Path
from unittest import mock

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR

_WATCHED = ("models", "macros", "tests", "seeds", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _WATCHED:
        path = project_dir / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for file in path.rglob("*"):
                if file.is_file():
                    newest = max(newest, file.stat().st_mtime)
    return newest


def _put_dbt_on_path() -> None:
    """dagster-dbt runs `dbt` from PATH; a console script started as .venv/bin/rightswatch without an
    activated environment has the venv's dbt beside its interpreter, not on PATH."""
    venv_bin = Path(sys.executable).parent
    if shutil.which("dbt") is None and (venv_bin / "dbt").exists():
        os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"


def _pipeline_profile_env() -> dict[str, str]:
    """The preparer's ``dbt parse`` leaves the ``partial_parse.msgpack`` a first build in a new warehouse
    folder starts from; it only holds if the profile's values were the ones the pipeline's dbt sees
    (dagster_project/bin/dbt_child.py), so they are set for the parse (and put back after). The file
    names are the default warehouse's (``rightswatch.work.duckdb``), whatever folder it is in: a
    warehouse given another name parses in full on its first build, as every first build did before."""
    from dagster_project.settings import DEFAULT_WAREHOUSE, work_db_of
    from dagster_project.warehouse.memory import MEMORY_ENV, dbt_location, memory_limit

    return {**dbt_location(work_db_of(DEFAULT_WAREHOUSE)), MEMORY_ENV: memory_limit()}


@cache
def rightswatch_dbt() -> DbtProject:
    _put_dbt_on_path()
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(DBT_PROJECT_DIR):
        with mock.patch.dict(os.environ, _pipeline_profile_env()):
            project.preparer.prepare(project)
    return project
