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
