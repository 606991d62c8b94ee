"""Rebuilding the marts as of an earlier cut-off, for a report that must not change.

The work file keeps every version of every record with its delivery date, and the dbt models keep
only what was known at ``rw_cutoff`` (versions updated and delivered by then). So building the dbt
project on a private copy of the work file with ``--vars {rw_cutoff: ...}`` gives the marts exactly
as they were published at that cut-off, even after later deliveries changed the month's figures.
The copy lives in a temporary folder; the published warehouse and the work file are not touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR, Settings


class AsOfRebuildError(RuntimeError):
    pass


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise AsOfRebuildError("dbt is not installed: cannot rebuild the marts as of an earlier cut-off")
    return found


def _vars(settings: Settings, cutoff_local: str) -> dict:
    overrides: dict = {}
    try:
        from dagster_project.config import load_overrides  # the pipeline's RW_CONFIG reader
    except ImportError:  # pragma: no cover - partial checkout
        load_overrides = None
    if load_overrides is not None and settings.config_file is not None:
        overrides = dict(load_overrides(settings.config_file))
    overrides["rw_cutoff"] = cutoff_local
    return overrides


def rebuild_as_of(settings: Settings, cutoff_local: str, workdir: Path | None = None) -> Path:
    """Build the marts as of ``cutoff_local`` (reporting time zone) in a private copy; return its path.

    The returned DuckDB file holds schema ``marts`` (and the rest of the work database); the caller
    opens it read-only and removes ``path.parent`` when done.
    """
    work = settings.work_db
    if not work.exists():
        raise AsOfRebuildError(f"work database {work} does not exist: nothing to rebuild the report from")
    folder = Path(workdir or tempfile.mkdtemp(prefix="rw-asof-"))
    folder.mkdir(parents=True, exist_ok=True)
    published = folder / settings.warehouse.name
    copy = folder / (settings.warehouse.stem + ".work.duckdb")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_sql_string(str(work))} AS src (READ_ONLY)")
        con.execute(f"ATTACH {_sql_string(str(copy))} AS dst")
        con.execute("COPY FROM DATABASE src TO dst")
    except duckdb.Error as exc:
        raise AsOfRebuildError(f"cannot copy the work database {work} (a pipeline run may hold it; "
                               f"try again when it has finished): {exc}") from exc
    finally:
        con.close()

    import json

    args = [_dbt_executable(), "run", "--full-refresh", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
            "--vars", json.dumps(_vars(settings, cutoff_local), sort_keys=True, ensure_ascii=False, default=str)]
    env = {**os.environ, "RW_WAREHOUSE": str(published), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(args, cwd=str(DBT_PROJECT_DIR), env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise AsOfRebuildError(f"dbt could not rebuild the marts as of {cutoff_local}:\n{tail}")
    return copy
