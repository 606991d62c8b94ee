"""The as-of rebuild: the marts as they were at an earlier cut-off, published into a folder of its own.

The work file keeps every version of every record with its delivery date, and the dbt models keep
only what was known at ``rw_cutoff`` (versions updated and delivered by then). So building the dbt
project on a private copy of the work file with ``rw_cutoff`` set gives the marts exactly as they were
published at that cut-off, even after later deliveries changed the month's figures. It is a pipeline
run like any other: the same configuration loader (``config.load_overrides``), the same dbt argument
builder (``dbt_args.build_dbt_args``), the same dbt resource and the same ``publish`` step — only its
inputs (a copy of the work file) and its output (``<into>/<warehouse name>``) are private. The live
work file and the published warehouse are never touched.

Entry points: ``rightswatch run --cutoff DAY --into DIR`` and the Dagster job ``asof_job`` (asset
``asof/warehouse``, config ``cutoff`` and ``into``). Reports that must not change (reports/build.py)
ask for one and then only read the published file it wrote.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from dagster_project.orchestration.config import load_overrides
from dagster_project.orchestration.dbt_args import build_dbt_args
from dagster_project.orchestration.resources import WarehouseResource, progress
from dagster_project.orchestration.run_lock import refusal_in
from dagster_project.settings import ENGINES, Settings
from dagster_project.warehouse.publish import publish
from dagster_project.warehouse.work_db import copy_database

ASOF_JOB_NAME = "asof_job"
ASOF_ASSET_KEY = dg.AssetKey(["asof", "warehouse"])


class AsOfRebuildError(RuntimeError):
    """The marts could not be rebuilt as of the cut-off asked for."""


class AsOfConfig(dg.Config):
    cutoff: str  # local time in the reporting time zone: 'YYYY-MM-DD' (its end) or a timestamp
    into: str    # folder that receives the published file (created; must not be the live warehouse's)


def cutoff_local(text: str) -> str:
    """A cut-off as dbt's ``rw_cutoff`` takes it: a day means its last microsecond (local time)."""
    text = text.strip().replace("T", " ")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise AsOfRebuildError(f"cut-off {text!r}: expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'") from exc
    if len(text) == 10:
        moment = moment.replace(hour=23, minute=59, second=59, microsecond=999999)
    return moment.isoformat(sep=" ", timespec="microseconds")


def asof_dbt_args(settings: Settings, cutoff: str) -> list[str]:
    """``dbt run --full-refresh`` with the run's configuration overrides and ``rw_cutoff``, on DuckDB.

    Always DuckDB, whatever RW_ENGINE says: the rebuild works on a private copy of the DuckDB work
    file (which holds the raw history on both engines) and publishes that copy's marts; dbt on Spark
    would build somewhere this step never publishes from."""
    overrides = {**load_overrides(settings.config_file), "rw_cutoff": cutoff_local(cutoff)}
    return build_dbt_args("run", vars=overrides, full_refresh=True, engine=ENGINES[0])


def _copy_work_db(work: Path, copy: Path) -> None:
    if not work.exists():
        raise AsOfRebuildError(f"work database {work} does not exist: nothing to rebuild the marts from")
    try:
        copy_database(work, copy)
    except duckdb.Error as exc:
        raise AsOfRebuildError(f"cannot copy the work database {work} (a pipeline run may hold it; "
                               f"try again when it has finished): {exc}") from exc


@contextmanager
def _warehouse_env(published: Path) -> Iterator[None]:
    """dbt's profile derives its work file from RW_WAREHOUSE: point it at the private copy meanwhile."""
    before = os.environ.get("RW_WAREHOUSE")
    os.environ["RW_WAREHOUSE"] = str(published)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("RW_WAREHOUSE", None)
        else:
            os.environ["RW_WAREHOUSE"] = before


@dg.asset(key=ASOF_ASSET_KEY, group_name="asof", kinds={"dbt", "duckdb"},
          description="The marts rebuilt as of an earlier cut-off (config cutoff, into) on a private copy of "
                      "the work file and published into their own folder; the live warehouse is untouched.")
def asof_warehouse(context: dg.AssetExecutionContext, config: AsOfConfig, dbt: DbtCliResource,
                   warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    into = Path(config.into).expanduser().resolve()
    published = into / settings.warehouse.name
    if published == settings.warehouse.resolve():
        raise AsOfRebuildError(f"--into {into} is the live warehouse's folder: choose another one")
    into.mkdir(parents=True, exist_ok=True)
    work_copy = into / settings.work_db.name
    args = asof_dbt_args(settings, config.cutoff)
    progress(context, f"as-of rebuild: copying {settings.work_db} into {into}")
    _copy_work_db(settings.work_db, work_copy)
    try:
        progress(context, f"as-of rebuild: dbt {' '.join(args)}")
        with _warehouse_env(published):
            invocation = dbt.cli(args, target_path=into / "dbt_target", raise_on_error=False).wait()
        if not invocation.is_successful():
            raise AsOfRebuildError(f"dbt could not rebuild the marts as of {config.cutoff}: "
                                   f"{invocation.get_error() or 'see the dbt log in ' + str(into / 'dbt_target')}")
        result = publish(work_copy, published)
    finally:
        work_copy.unlink(missing_ok=True)
        shutil.rmtree(into / "dbt_target", ignore_errors=True)
    progress(context, f"as-of rebuild: published {len(result.tables)} tables to {published}")
    return dg.MaterializeResult(metadata={"path": str(published), "cutoff_local": cutoff_local(config.cutoff),
                                          "tables": len(result.tables)})


asof_job = dg.define_asset_job(ASOF_JOB_NAME, selection=dg.AssetSelection.assets(asof_warehouse),
                               description="Rebuild the marts as of an earlier cut-off into a folder of their own.",
                               executor_def=dg.in_process_executor)


def rebuild_as_of(settings: Settings, cutoff: str, into: Path) -> Path:
    """Run ``asof_job`` in this process; return the published file it wrote in ``into``.

    ``settings`` must be those of the environment (the job's resources read it): it is passed to
    name the file and to fail early when the work file is missing.
    """
    from dagster import DagsterInstance

    from dagster_project.definitions import defs
    from dagster_project.orchestration.instance import ensure_dagster_home

    if not settings.work_db.exists():
        raise AsOfRebuildError(f"work database {settings.work_db} does not exist: nothing to rebuild the marts from")
    run_config = dg.RunConfig(ops={"asof__warehouse": AsOfConfig(cutoff=cutoff, into=str(into))},
                              loggers={"console": {"config": {"log_level": "WARNING"}}})
    ensure_dagster_home()  # the shared local instance; a fresh clone has no DAGSTER_HOME folder yet
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def(ASOF_JOB_NAME).execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False)
    if not result.success:
        failures = [e.step_failure_data.error.message.strip() for e in result.all_events
                    if e.is_step_failure and e.step_failure_data and e.step_failure_data.error]
        failures.append(refusal_in(result.all_events) or f"the as-of rebuild (run {result.run_id}) failed")
        raise AsOfRebuildError(failures[0])
    return Path(into).expanduser().resolve() / settings.warehouse.name
