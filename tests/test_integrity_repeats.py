"""Landing contract 1.1: the same bytes delivered again (same delivery under another name, or a later
day) are a no-op shown as a repeat of the first; a different file carrying the same rows is judged by
the duplicate/conflict rule across the files of its delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from ingest_fixtures import make_landing, valid_order


@pytest.fixture
def land(tmp_path):
    landing = make_landing(tmp_path)
    yield landing
    landing.con.close()


def _quarantined(land) -> int:
    return land.rows("SELECT count(*) FROM meta.quarantine")[0][0]


def test_same_bytes_on_a_later_day_are_a_repeat_not_a_second_quarantine(land):
    rows = [valid_order(order_id="O-1"), valid_order(order_id="O-2", quantity="0")]  # one row quarantined
    first = land.write_csv("orders", "a.csv", rows, delivery="2026-10-24")
    land.ingest("orders")
    land.write("orders", "a.csv", first.read_bytes(), delivery="2026-10-25")
    (fr,) = land.ingest("orders").files
    assert fr.status == "repeat"
    assert fr.message == "a.csv: repeat of orders/2026-10-24/a.csv (same bytes); nothing read"
    assert _quarantined(land) == 1  # not doubled
    assert land.rows("SELECT count(*) FROM raw.orders") == [(1,)]
    reg = {(r["delivery_date"], r["file_name"]): r for r in land.registry()}
    repeat = reg[(dt.date(2026, 10, 25), "a.csv")]
    assert (repeat["status"], repeat["rows_read"], repeat["rows_loaded"], repeat["rows_quarantined"]) == ("repeat", 0, 0, 0)
    # a third run: the repeat itself is unchanged, nothing new
    again = land.ingest("orders")
    assert again.files == [] and again.skipped_unchanged == 2


def test_same_bytes_under_another_name_in_the_same_delivery_are_a_repeat(land):
    a = land.write_csv("orders", "a.csv", [valid_order(order_id="O-1")])
    land.write("orders", "a_resent.csv", a.read_bytes())
    result = land.ingest("orders")
    assert [(f.file_name, f.status) for f in result.files] == [("a.csv", "loaded"), ("a_resent.csv", "repeat")]
    assert "repeat of orders/2026-10-25/a.csv" in result.files[1].message
    assert land.rows("SELECT count(*) FROM raw.orders") == [(1,)]
    assert _quarantined(land) == 0


def test_old_bytes_sent_back_under_their_own_name_are_a_correction_not_a_repeat(land):
    v1 = land.write_csv("orders", "a.csv", [valid_order(order_id="O-1")]).read_bytes()
    land.ingest("orders")
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-2")])
    land.ingest("orders")
    land.write("orders", "a.csv", v1)
    (fr,) = land.ingest("orders").files
    assert fr.status == "loaded"
    assert land.rows("SELECT order_id FROM raw.orders") == [("O-1",)]


def _assert_files_reconcile(land):
    for name, day, read, loaded, quarantined in land.rows(
        "SELECT file_name, delivery_date, rows_read, rows_loaded, rows_quarantined FROM meta.file_registry "
        "WHERE source = 'orders' AND status = 'loaded'"
    ):
        assert read == loaded + quarantined, name
        in_raw = land.rows("SELECT count(*) FROM raw.orders WHERE _file_name = ? AND _delivery_date = ?", [name, day])[0][0]
        in_q = land.rows("SELECT count(*) FROM meta.quarantine WHERE file_name = ? AND delivery_date = ?", [name, day])[0][0]
        assert (in_raw, in_q) == (loaded, quarantined), name


def test_identical_rows_across_files_of_a_delivery_load_once_and_extras_are_duplicates(land):
    same = valid_order(order_id="O-1")
    land.write_csv("orders", "a.csv", [same, valid_order(order_id="O-2")])
    land.write_csv("orders", "b.csv", [valid_order(order_id="O-3"), same])  # different bytes, one shared row
    result = land.ingest("orders")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)  # per file
    assert result.rows_quarantined_across_files == 1
    assert land.rows("SELECT order_id, _file_name FROM raw.orders ORDER BY 1") == [
        ("O-1", "a.csv"), ("O-2", "a.csv"), ("O-3", "b.csv")]
    (q,) = land.quarantine()
    assert (q["file_name"], q["line"], q["rule"], q["column_name"]) == ("b.csv", 3, "duplicate_key", "order_id,line_no")
    assert q["message"].startswith("b.csv line 3: duplicate_key: identical copy of a.csv line 2 of this delivery (order_id=O-1")
    assert '"order_id":"O-1"' in q["raw_values"].replace(" ", "")
    _assert_files_reconcile(land)


def test_differing_rows_across_files_are_all_conflicts_also_from_a_file_loaded_by_an_earlier_run(land):
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-2")])
    land.ingest("orders")
    land.write_csv("orders", "b.csv", [valid_order(order_id="O-1", quantity="7")])  # same key and version, differs
    result = land.ingest("orders")
    assert result.rows_quarantined_across_files == 2  # b's row and a's row loaded by the earlier run
    assert land.rows("SELECT order_id FROM raw.orders") == [("O-2",)]
    rows = {(q["file_name"], q["line"]): q for q in land.quarantine()}
    assert set(rows) == {("a.csv", 2), ("b.csv", 2)}
    assert {q["rule"] for q in rows.values()} == {"conflicting_key"}
    assert "a.csv line 2, b.csv line 2" in rows[("a.csv", 2)]["message"]
    _assert_files_reconcile(land)
    # nothing new: nothing judged or moved again
    assert land.ingest("orders").rows_quarantined_across_files == 0
    assert len(land.quarantine()) == 2


def test_a_different_version_across_files_is_not_a_duplicate(land):
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-1")])
    land.write_csv("orders", "b.csv", [valid_order(order_id="O-1", updated_at="2026-10-25T09:00:00+08:00")])
    land.ingest("orders")
    assert land.rows("SELECT count(*) FROM raw.orders") == [(2,)]
    assert land.quarantine() == []


def test_correcting_one_file_rejudges_the_rows_it_conflicted_with(land):
    land.write_csv("orders", "a.csv", [valid_order(order_id="O-1"), valid_order(order_id="O-2")])
    land.write_csv("orders", "b.csv", [valid_order(order_id="O-1", quantity="7")])
    land.ingest("orders")
    assert land.rows("SELECT order_id FROM raw.orders") == [("O-2",)]  # O-1 conflicts: both copies out
    land.write_csv("orders", "b.csv", [valid_order(order_id="O-3")])  # corrected: no longer carries O-1
    land.ingest("orders")
    assert land.rows("SELECT order_id, _file_name FROM raw.orders ORDER BY 1") == [
        ("O-1", "a.csv"), ("O-2", "a.csv"), ("O-3", "b.csv")]
    assert land.quarantine() == []
    _assert_files_reconcile(land)
