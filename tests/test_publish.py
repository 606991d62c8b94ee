"""Publication: atomic, complete, never visible half-done, never blocking a reader."""

from pathlib import Path

import duckdb
import pytest

from dagster_project.warehouse.publish import open_published, publish


def _work_db(path: Path, rows: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists raw")
    con.execute("create or replace table marts.fct_x as select range as id from range(?)", [rows])
    con.execute("create or replace table raw.secret as select 'clear' as v")
    con.close()
    return path


def test_publishes_only_the_marts_schema(tmp_path):
    work = _work_db(tmp_path / "w.work.duckdb", 3)
    result = publish(work, tmp_path / "pub" / "w.duckdb")
    assert result.tables == {"fct_x": 3}
    con = open_published(tmp_path / "pub" / "w.duckdb")
    schemas = {r[0] for r in con.execute(
        "select distinct table_schema from information_schema.tables where table_catalog='warehouse'").fetchall()}
    assert schemas == {"marts"}
    assert not list((tmp_path / "pub").glob("*.tmp"))


def test_a_reader_keeps_working_while_a_new_build_is_published(tmp_path):
    published = tmp_path / "w.duckdb"
    work = _work_db(tmp_path / "w.work.duckdb", 3)
    publish(work, published)
    reader = open_published(published)
    assert reader.execute("select count(*) from marts.fct_x").fetchone()[0] == 3
    _work_db(work, 5)
    publish(work, published)
    # the open reader still sees its snapshot; a new reader sees the new build
    assert reader.execute("select count(*) from marts.fct_x").fetchone()[0] == 3
    assert open_published(published).execute("select count(*) from marts.fct_x").fetchone()[0] == 5


def test_failed_publish_leaves_the_last_good_file(tmp_path):
    published = tmp_path / "w.duckdb"
    publish(_work_db(tmp_path / "w.work.duckdb", 2), published)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(empty, published)
    assert open_published(published).execute("select count(*) from marts.fct_x").fetchone()[0] == 2
    assert not list(tmp_path.glob(".*.tmp"))


def test_missing_warehouse_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="rightswatch run"):
        open_published(tmp_path / "nope.duckdb")


def _tables_work_db(path: Path, tables: dict[str, str]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    for name in {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()} - set(tables):
        con.execute(f"drop table marts.{name}")
    for name, select in tables.items():
        con.execute(f"create or replace table marts.{name} as {select}")
    con.close()
    return path


def test_only_changed_tables_are_written_again(tmp_path):
    published = tmp_path / "w.duckdb"
    work = tmp_path / "w.work.duckdb"
    big = "select range as id, md5(range::varchar) as h from range(100000)"
    _tables_work_db(work, {"fct_big": big, "rpt_small": "select 1 as n", "dim_gone": "select 'x' as v"})
    first = publish(work, published)
    assert sorted(first.copied) == ["dim_gone", "fct_big", "rpt_small"] and first.kept == []
    # the next build: the big table rebuilt with identical rows (another order), one small table
    # changed, one dropped, one new
    _tables_work_db(work, {"fct_big": big + " order by h", "rpt_small": "select 2 as n", "rpt_new": "select 3 as n"})
    second = publish(work, published)
    assert second.kept == ["fct_big"]
    assert sorted(second.copied) == ["rpt_new", "rpt_small"]
    assert second.tables == {"fct_big": 100000, "rpt_new": 1, "rpt_small": 1}
    with open_published(published) as con:
        assert con.execute("select n from marts.rpt_small").fetchone()[0] == 2
        assert con.execute("select count(*), count(distinct h) from marts.fct_big").fetchone() == (100000, 100000)
        names = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse'").fetchall()}
    assert names == {"fct_big", "rpt_small", "rpt_new"}
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_changed_column_type_with_equal_values_is_written_again(tmp_path):
    published = tmp_path / "w.duckdb"
    work = tmp_path / "w.work.duckdb"
    _tables_work_db(work, {"fct_a": "select range::integer as id from range(10)",
                           "fct_b": "select range as id from range(100)"})
    publish(work, published)
    _tables_work_db(work, {"fct_a": "select range::bigint as id from range(10)",
                           "fct_b": "select range as id from range(100)"})
    result = publish(work, published)
    assert result.copied == ["fct_a"] and result.kept == ["fct_b"]
    with open_published(published) as con:
        assert con.execute("select data_type from information_schema.columns where table_name = 'fct_a'"
                           ).fetchone()[0] == "BIGINT"


def test_a_few_changed_rows_are_patched_in_place_and_the_result_equals_the_build(tmp_path):
    """A day's new and corrected rows in a large table: the published copy gets the rows only the build has
    and loses those only it had, instead of the whole table again; what readers see equals the build."""
    published = tmp_path / "w.duckdb"
    work = tmp_path / "w.work.duckdb"
    big = "select range as id, md5(range::varchar) as h from range(100000)"
    _tables_work_db(work, {"fct_big": big, "rpt_small": "select 1 as n"})
    publish(work, published)
    # ids 0-999 corrected, 1000-1999 removed, 100000-104999 new
    _tables_work_db(work, {
        "fct_big": "select range as id, md5(range::varchar) as h from range(2000, 105000) "
                   "union all select range, 'corrected' from range(1000)",
        "rpt_small": "select 1 as n"})
    result = publish(work, published)
    assert result.patched == ["fct_big"] and result.kept == ["rpt_small"] and result.copied == []
    with open_published(published) as con, duckdb.connect(str(work), read_only=True) as build:
        mine = sorted(con.execute("select id, h from marts.fct_big").fetchall())
        assert mine == sorted(build.execute("select id, h from marts.fct_big").fetchall())
    assert len(mine) == 104000 and mine[0] == (0, "corrected")


def test_a_table_that_differs_only_in_copies_of_a_row_is_written_whole(tmp_path):
    """Patching compares rows by hash; a table whose rows repeat (a multiset) and whose change is only how
    often a row appears cannot be patched that way: it is written whole, and the result is still right."""
    published = tmp_path / "w.duckdb"
    work = tmp_path / "w.work.duckdb"
    rows = "select range % 1000 as id from range(100000)"
    _tables_work_db(work, {"fct_dup": rows})
    publish(work, published)
    _tables_work_db(work, {"fct_dup": rows + " union all select 7 union all select 7 union all select 8"})
    result = publish(work, published)
    assert result.copied == ["fct_dup"] and result.patched == []
    with open_published(published) as con:
        assert con.execute("select count(*), count(*) filter (where id = 7) from marts.fct_dup").fetchone() == (100003, 102)
