"""The raw and meta tables of the work DuckDB as Parquet, registered as Spark tables (RW_ENGINE=spark).

Why: ingestion stays per file on DuckDB (it parallelises by file and owns the contract rules); on
Spark, dbt's sources must be Spark tables. Each ``raw.*``/``meta.*`` table is written as Parquet under
``<root>/<schema>/<table>/`` (partitioned by delivery date where the table has one, so a cluster
reads only the days it needs) and registered as an external Spark table of the same name. DuckDB's
TIMESTAMP is written as a Parquet timestamp not adjusted to UTC, which Spark reads as TIMESTAMP_NTZ:
the naive-UTC convention of docs/architecture.md holds on both engines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from dagster_project.warehouse.sql_quote import lit, q

SCHEMAS = ("raw", "meta")
PARTITION_COLUMNS = ("_delivery_date", "delivery_date")


def export_work_db(work_db: Path, root: Path) -> dict[str, Path]:
    """Write every raw/meta table of ``work_db`` as Parquet under ``root``; return {schema.table: folder}.

    An empty table is written as one Parquet file (no partitions) so its schema still reaches Spark.
    """
    if root.exists():
        shutil.rmtree(root)
    written: dict[str, Path] = {}
    with duckdb.connect(str(work_db), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'meta') and table_type = 'BASE TABLE' order by 1, 2").fetchall()
        for schema, table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table]).fetchall()]
            rows = con.execute(f"select count(*) from {q(schema)}.{q(table)}").fetchone()[0]
            partition = next((c for c in PARTITION_COLUMNS if c in columns), None)
            folder = root / schema / table
            folder.mkdir(parents=True)
            source = f"(select * from {q(schema)}.{q(table)})"
            if partition and rows:
                con.execute(f"copy {source} to {lit(str(folder))} (format parquet, partition_by ({q(partition)}),"
                            " overwrite_or_ignore true)")
            else:
                con.execute(f"copy {source} to {lit(str(folder / 'part-0.parquet'))} (format parquet)")
            written[f"{schema}.{table}"] = folder
    return written


def register(spark, tables: dict[str, Path]) -> None:
    """(Re)create each exported table as an external Parquet table in the Spark catalog.

    Spark infers the schema and the partition column (a ``key=YYYY-MM-DD`` folder is a DATE) from
    the files, and RECOVER PARTITIONS makes the catalog see every delivery day.
    """
    for schema in {name.split(".")[0] for name in tables}:
        spark.sql(f"create database if not exists {schema}")
    for name, folder in tables.items():
        spark.sql(f"drop table if exists {name}")
        # a file URI is percent-encoded (a quote is %27), so it is safe inside Spark's quotes as it is
        spark.sql(f"create table {name} using parquet location '{folder.resolve().as_uri()}'")
        if spark.sql(f"describe table extended {name}").where("col_name = '# Partition Information'").count():
            spark.sql(f"alter table {name} recover partitions")
