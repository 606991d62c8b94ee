"""A big delivery is validated in slices (memory stays bounded) and GX's verdict is the same as on one
frame: counts add up, ``mostly`` is judged on the totals, uniqueness on parts split by its key, the
median on the whole delivery (dagster_project/validation/run.py). Real Great Expectations on a copy of
the sample's rows, with violations planted so that slices disagree with each other."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from dagster_project.validation import run as validation_run
from dagster_project.validation.frames import delivery_key_parts, delivery_slices, referenced_columns
from dagster_project.validation.suites import load_suite
from dagster_project.warehouse.memory import duckdb_config


@pytest.fixture(scope="module")
def planted(sample_build, tmp_path_factory):
    """A copy of the sample's work file whose largest orders delivery carries planted violations."""
    work = tmp_path_factory.mktemp("gx_slices") / "work.duckdb"
    shutil.copyfile(sample_build.work_db, work)
    con = duckdb.connect(str(work), config=duckdb_config(work))
    day, rows = con.execute("select _delivery_date, count(*) from raw.orders group by 1 order by 2 desc limit 1").fetchone()
    assert rows > 4_000

    def rows_at(start: int, count: int) -> str:  # rows by position in the delivery, as GX sees them
        return (f"rowid in (select rowid from raw.orders where _delivery_date = DATE '{day}' "
                f"order by rowid limit {count} offset {start})")

    # 0.6 % of the rows far outside the typical quantity, all in the first quarter: that slice alone fails
    # "mostly 0.99" (2.4 % of its rows), the delivery as a whole does not; the same for "mostly CNY"
    con.execute(f"update raw.orders set quantity = 1000 where {rows_at(0, rows * 6 // 1000)}")
    con.execute(f"update raw.orders set currency = 'USD' where {rows_at(rows // 2, rows // 100)}")
    con.execute(f"update raw.orders set sku_id = null where {rows_at(rows - 3, 2)}")  # last slice only
    con.execute(f"update raw.orders set consumer_phone_key = '13800138000' where {rows_at(rows // 3, 1)}")
    # a version key repeated across slices: only the whole delivery can see it
    first = con.execute(f"select order_id, line_no, updated_at from raw.orders where {rows_at(0, 1)}").fetchone()
    con.execute(f"update raw.orders set order_id = ?, line_no = ?, updated_at = ? where {rows_at(rows - 1, 1)}",
                list(first))
    yield con, day, rows
    con.close()


def test_a_delivery_in_slices_gets_the_verdict_of_the_whole(planted):
    con, day, rows = planted
    slice_rows = rows // 4

    whole = validation_run.run_suite(con, "orders", day)  # one frame: rows <= SLICE_ROWS
    sliced = validation_run.run_suite(con, "orders", day, slice_rows=slice_rows)

    assert sliced == whole
    verdicts = {r.check: r.success for r in whole.results}
    assert verdicts["quantity.typical_range"] is True and verdicts["currency.mostly_cny"] is True
    assert verdicts["sku_id.required"] is False and verdicts["version_key.unique"] is False
    assert verdicts["consumer_phone_key.pseudonymised"] is False
    assert not whole.success and whole.row_count == rows
    phone = next(r for r in sliced.results if r.check == "consumer_phone_key.pseudonymised")
    assert phone.details["unexpected_sample"] == "withheld: pseudonymised column"


def test_the_slices_really_disagree_with_each_other(planted):
    """Without adding the slices up under GX's rules, the verdicts above would differ: the first slice
    alone fails the typical quantity range, and only the last one sees the missing sku_id."""
    con, day, rows = planted
    suite = load_suite("orders")
    by_row = [e for e in suite["expectations"] if e["type"] in validation_run.ROW_BY_ROW]
    frames = list(delivery_slices(con, "orders", day, referenced_columns("orders", by_row), rows // 4))
    assert len(frames) >= 4 and sum(len(f) for f in frames) == rows
    first = {o.check: o.success for o in validation_run._validate("orders", frames[0], by_row)}
    last = {o.check: o.success for o in validation_run._validate("orders", frames[-1], by_row)}
    middle = {o.check: o.success for o in validation_run._validate("orders", frames[2], by_row)}
    assert first["quantity.typical_range"] is False and first["sku_id.required"] is True
    assert middle["currency.mostly_cny"] is False
    assert last["sku_id.required"] is False


def test_expectations_on_the_whole_delivery_are_never_sliced_by_row():
    assert "expect_compound_columns_to_be_unique" not in validation_run.ROW_BY_ROW
    assert "expect_compound_columns_to_be_unique" in validation_run.BY_KEY
    assert "expect_column_median_to_be_between" not in validation_run.ROW_BY_ROW
    assert "expect_table_row_count_to_be_between" not in validation_run.ROW_BY_ROW


def test_the_whole_delivery_frame_holds_only_the_columns_its_expectations_read(planted, monkeypatch):
    con, day, rows = planted
    seen: list[list[str]] = []
    real = validation_run.delivery_frame

    def spy(con_, source, day_, columns):
        seen.append(columns)
        return real(con_, source, day_, columns)

    monkeypatch.setattr(validation_run, "delivery_frame", spy)
    validation_run.run_suite(con, "orders", day, slice_rows=rows // 4)
    assert seen == [["unit_price"]]  # the row count and the median; uniqueness runs on key parts


def test_uniqueness_parts_split_the_delivery_and_keep_duplicates_together(planted):
    """The version key planted on the first and the last row: slices would never see both, key parts do,
    and each part holds only about a quarter of the rows."""
    con, day, rows = planted
    key = ["order_id", "line_no", "updated_at"]
    parts = list(delivery_key_parts(con, "orders", day, key, key, 4))
    assert len(parts) == 4 and sum(len(p) for p in parts) == rows
    assert max(len(p) for p in parts) < rows // 2
    with_duplicates = [p for p in parts if p.duplicated(keep=False).any()]
    assert len(with_duplicates) == 1 and with_duplicates[0].duplicated(keep=False).sum() == 2
