"""Publication: atomic, complete, never visible half-done, never blocking a reader."""

from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import open_published, publish


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
