"""The two Spark steps of a pipeline run (RW_ENGINE=spark): sources to Spark before dbt, publication after.

Why: ingestion, validation and the run's metadata stay on the DuckDB work file on both engines; on
Spark, dbt reads the raw/meta tables as Spark tables and builds the marts there. So a Spark run adds
exactly two steps around dbt, built from the pieces in ``spark_tables`` and ``spark_publish``:

* ``register_sources``: the work file's raw and meta tables exported as Parquet and registered on Spark;
* ``publish``: the Spark marts written as a new Parquet version, swapped in atomically, and the
  published DuckDB file (RW_WAREHOUSE) rewritten as views over it, so readers are unchanged.

The Spark Connect server is the operator's: ``SPARK_REMOTE`` names it (a cluster's endpoint, or a
local one started with ``python -m dagster_project.warehouse.spark_connect start``).
The Parquet lives beside the published file, in ``<warehouse stem>.spark/`` (``sources/``, ``published/``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dagster_project.settings import Settings
from dagster_project.warehouse import spark_publish, spark_tables
from dagster_project.warehouse.publish import PUBLISHED_SCHEMA, PublishResult, open_published


def spark_data_dir(settings: Settings) -> Path:
    """Where a Spark run keeps its Parquet: beside the published file, so one setting places both."""
    return settings.warehouse.with_name(settings.warehouse.stem + ".spark")


@contextmanager
def spark_session() -> Iterator:
    """A Spark Connect session on the server named by SPARK_REMOTE; a clear error when none is named."""
    remote = os.environ.get("SPARK_REMOTE", "").strip()
    if not remote:
        raise RuntimeError("RW_ENGINE=spark needs SPARK_REMOTE naming a running Spark Connect server "
                           "(e.g. sc://localhost:15002; start a local one with "
                           "`python -m dagster_project.warehouse.spark_connect start`)")
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(remote).getOrCreate()
    try:
        yield spark
    finally:
        spark.stop()


def register_sources(settings: Settings) -> int:
    """Export the work file's raw/meta tables as Parquet and (re)register them on Spark; return how many."""
    with spark_session() as spark:
        tables = spark_tables.export_work_db(settings.work_db, spark_data_dir(settings) / "sources")
        spark_tables.register(spark, tables)
    return len(tables)


def published_tables(spark) -> list[str]:
    """The marts dbt built on Spark: tables of schema marts, as ``publish._tables`` takes them on DuckDB."""
    return sorted(t.name for t in spark.catalog.listTables(PUBLISHED_SCHEMA)
                  if not t.isTemporary and t.tableType != "VIEW")


def publish(settings: Settings, run_id: str | None = None) -> PublishResult:
    """Publish the Spark marts (``spark_publish.publish_from_spark``) and report them like ``publish.publish``.

    ``run_id`` is accepted for the same signature; the Parquet of a version is immutable, so the
    published ``dq_pipeline_runs`` keeps the run's status as dbt saw it (the work file records success).
    """
    published_at = datetime.now(UTC).replace(tzinfo=None)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with spark_session() as spark:
        names = published_tables(spark)
        if not names:
            raise RuntimeError(f"Spark schema {PUBLISHED_SCHEMA} has no tables: nothing to publish")
        spark_publish.publish_from_spark(spark, names, spark_data_dir(settings) / "published", settings.warehouse)
    with open_published(settings.warehouse) as con:
        tables = {n: con.execute(f'select count(*) from {PUBLISHED_SCHEMA}."{n}"').fetchone()[0] for n in names}
    return PublishResult(path=settings.warehouse, tables=tables, published_at=published_at, copied=names)
