"""Publication of marts built on Spark (RW_ENGINE=spark), read by the dashboards through DuckDB unchanged.

Why: at scale the marts are built where the data is (Spark), but every reader of RightsWatch
(dashboards, reports, the run summary) opens the published DuckDB file through
``publish.open_published`` and queries schema ``marts``. So a Spark build is published as:

1. every mart written as Parquet into a *new* version folder ``<root>/versions/<stamp>/<table>/``;
2. the ``<root>/current`` link swapped to it atomically (``os.replace`` of a fresh symlink), so a reader
   sees the old version or the new one, never a half-written one; older versions are pruned;
3. the published DuckDB file (``RW_WAREHOUSE``) holding schema ``marts`` as views over
   ``<root>/current/<table>/*.parquet``, itself written beside and renamed over the old one.

Readers need no change: the same file, schema and table names; DuckDB reads the Parquet.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.warehouse.publish import PUBLISHED_SCHEMA
from dagster_project.warehouse.sql_quote import lit, q

KEEP_VERSIONS = 2


def write_version(spark, tables: list[str], root: Path, schema: str = PUBLISHED_SCHEMA) -> Path:
    """Write each ``schema.table`` of the Spark catalog as Parquet into a new version folder."""
    version = root / "versions" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for table in tables:
        spark.table(f"{schema}.{table}").write.mode("error").parquet((version / table).resolve().as_uri())
    return version


def swap_current(root: Path, version: Path) -> Path:
    """Point ``<root>/current`` at ``version`` atomically; keep the newest KEEP_VERSIONS versions."""
    link = root / "current"
    fresh = root / f".current.{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(version.relative_to(root), target_is_directory=True)
    os.replace(fresh, link)
    versions = sorted(p for p in (root / "versions").iterdir() if p.is_dir())
    for old in versions[:-KEEP_VERSIONS]:
        if old != version:
            shutil.rmtree(old, ignore_errors=True)
    return link


def write_published_file(root: Path, tables: list[str], published: Path) -> Path:
    """The published DuckDB file: schema ``marts`` with one view per table over ``current``."""
    tmp = published.with_name(published.name + ".spark-tmp")
    tmp.unlink(missing_ok=True)
    current = (root / "current").absolute()
    with duckdb.connect(str(tmp)) as con:
        con.execute(f"create schema {PUBLISHED_SCHEMA}")
        for table in tables:
            files = lit(str(current / table / "*.parquet"))
            con.execute(f"create view {PUBLISHED_SCHEMA}.{q(table)} as select * from read_parquet({files})")
    os.replace(tmp, published)
    return published


def publish_from_spark(spark, tables: list[str], root: Path, published: Path) -> Path:
    """Steps 1-3 above; returns the version folder now current."""
    version = write_version(spark, tables, root)
    swap_current(root, version)
    write_published_file(root, tables, published)
    return version
