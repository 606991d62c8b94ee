"""Which steps a pipeline run takes on each engine (settings.engine, RW_ENGINE), decided in one place.

Why: the assets stay the same on both engines (ingest, validate, dbt, publish); only two steps
differ, and each asset asks this table once instead of testing the engine itself. DuckDB (the
default) needs no step before dbt (dbt reads the work file) and publishes by copying the marts into
the published file (``warehouse.publish``). Spark registers the work file's raw/meta tables on Spark
before dbt and publishes the Spark marts as Parquet plus a DuckDB file of views
(``warehouse.spark_pipeline``). dbt's ``--target`` is chosen by ``dbt_args.build_dbt_args(engine=)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagster_project.settings import ENGINES, Settings
from dagster_project.warehouse import spark_pipeline
from dagster_project.warehouse.publish import PublishResult, publish


@dataclass(frozen=True)
class EngineSteps:
    engine: str
    # Run before dbt; returns how many source tables it made available (None: dbt reads the work file).
    prepare_sources: Callable[[Settings], int] | None
    publish: Callable[[Settings, str | None], PublishResult]


def _publish_duckdb(settings: Settings, run_id: str | None = None) -> PublishResult:
    return publish(settings.work_db, settings.warehouse, run_id=run_id)


STEPS = {
    "duckdb": EngineSteps("duckdb", prepare_sources=None, publish=_publish_duckdb),
    "spark": EngineSteps("spark", prepare_sources=spark_pipeline.register_sources, publish=spark_pipeline.publish),
}


def steps_for(engine: str) -> EngineSteps:
    """The steps of ``engine``; an unknown engine is refused, never built on the default one."""
    try:
        return STEPS[engine]
    except KeyError:
        raise ValueError(f"unsupported engine {engine!r}: expected one of {', '.join(ENGINES)}") from None
