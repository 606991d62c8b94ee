"""The Spark engine's file layer without Spark: the raw/meta export (Parquet partitioned by delivery
date) and the publication (a new version folder swapped in atomically, read through DuckDB as before).
The Spark side of both is exercised by tests/test_spark_parity.py (`make test-spark`)."""

from __future__ import annotations

import duckdb

from dagster_project.warehouse.publish import open_published
from dagster_project.warehouse.spark_publish import KEEP_VERSIONS, swap_current, write_published_file
from dagster_project.warehouse.spark_tables import export_work_db
from dagster_project.warehouse.sql_quote import lit


def test_export_partitions_by_delivery_date_and_keeps_empty_tables(tmp_path):
    work = tmp_path / "w.work.duckdb"
    with duckdb.connect(str(work)) as con:
        con.execute("create schema raw; create schema meta; create schema staging")
        con.execute("create table raw.orders as select * from (values ('o1', date '2026-10-01', timestamp '2026-10-01 02:00:00'),"
                    " ('o2', date '2026-10-02', timestamp '2026-10-02 03:00:00')) t(order_id, _delivery_date, updated_at)")
        con.execute("create table meta.landing_issues (source varchar, detail varchar)")
        con.execute("create table staging.not_exported (x int)")
    tables = export_work_db(work, tmp_path / "parquet")
    assert sorted(tables) == ["meta.landing_issues", "raw.orders"]
    days = sorted(p.name for p in tables["raw.orders"].iterdir())
    assert days == ["_delivery_date=2026-10-01", "_delivery_date=2026-10-02"]
    assert [p.name for p in tables["meta.landing_issues"].iterdir()] == ["part-0.parquet"]
    with duckdb.connect() as con:
        rows = con.execute(f"select order_id, updated_at from read_parquet('{tables['raw.orders']}/*/*.parquet') "
                           "order by 1").fetchall()
        assert [r[0] for r in rows] == ["o1", "o2"]
        empty = con.execute(f"describe select * from read_parquet('{tables['meta.landing_issues']}/*.parquet')").fetchall()
        assert [c[0] for c in empty] == ["source", "detail"]


def _version(root, name, value):
    folder = root / "versions" / name / "rpt_kpi_monthly"
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select {value} as value) to {lit(str(folder / 'part-0.parquet'))} (format parquet)")
    return folder.parent


def test_a_new_version_is_swapped_in_and_read_through_duckdb(tmp_path):
    root, published = tmp_path / "spark_marts", tmp_path / "rightswatch.duckdb"
    first = _version(root, "20261101T000000000000Z", 1)
    swap_current(root, first)
    write_published_file(root, ["rpt_kpi_monthly"], published)
    with open_published(published) as con:
        assert con.execute("select value from marts.rpt_kpi_monthly").fetchall() == [(1,)]

    for number, name in enumerate(["20261102T000000000000Z", "20261103T000000000000Z"], start=2):
        swap_current(root, _version(root, name, number))
    # the published file is unchanged; its views follow the swapped link
    with open_published(published) as con:
        assert con.execute("select value from marts.rpt_kpi_monthly").fetchall() == [(3,)]
    assert (root / "current").resolve().name == "20261103T000000000000Z"
    assert len(list((root / "versions").iterdir())) == KEEP_VERSIONS
    assert not first.exists()


def test_paths_with_a_quote_are_escaped_in_sql(tmp_path):
    """Folder names reach DuckDB's COPY and read_parquet as SQL strings: a quote in one is escaped."""
    base = tmp_path / "o'brien's data"
    base.mkdir()
    work = base / "w.work.duckdb"
    with duckdb.connect(str(work)) as con:
        con.execute("create schema raw; create table raw.orders as select 'o1' as order_id, date '2026-10-01' as _delivery_date")
        con.execute("create schema meta; create table meta.landing_issues (source varchar)")
    tables = export_work_db(work, base / "parquet")
    assert sorted(p.name for p in tables["raw.orders"].iterdir()) == ["_delivery_date=2026-10-01"]
    assert [p.name for p in tables["meta.landing_issues"].iterdir()] == ["part-0.parquet"]

    root, published = base / "spark_marts", base / "rightswatch.duckdb"
    swap_current(root, _version(root, "20261101T000000000000Z", 7))
    write_published_file(root, ["rpt_kpi_monthly"], published)
    with open_published(published) as con:
        assert con.execute("select value from marts.rpt_kpi_monthly").fetchall() == [(7,)]
