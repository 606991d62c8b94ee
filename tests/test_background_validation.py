"""GX beside ingestion: each delivery is validated on a worker thread once its rows are final, with the
same results, in the same ``meta.gx_results`` rows, as validating after ingestion; nothing is validated
twice, a delivery left unvalidated by an earlier run is not forgotten, and a failure in the worker
reaches the caller."""

from __future__ import annotations

import datetime as dt

import pytest

from dagster_project.ingest import ingest_source
from dagster_project.validation import background as bg
from dagster_project.validation import validate_source
from dagster_project.validation.background import BackgroundValidation
from tests.ingest_fixtures import KEY, make_landing, valid_order

DAYS = ("2026-10-25", "2026-10-26", "2026-10-27")


def _landing(tmp_path):
    """Three orders deliveries; the second has a row the contract quarantines and two files."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    land = make_landing(tmp_path)
    land.write_csv("orders", "orders_a.csv", [valid_order(order_id=f"O-{i}") for i in range(12)], DAYS[0])
    land.write_csv("orders", "orders_a.csv", [valid_order(order_id="" if i == 23 else f"O-{i}")
                                              for i in range(20, 30)], DAYS[1])
    land.write_csv("orders", "orders_b.csv", [valid_order(order_id=f"O-{i}") for i in range(40, 45)], DAYS[1])
    land.write_csv("orders", "orders_a.csv", [valid_order(order_id=f"O-{i}") for i in range(50, 57)], DAYS[2])
    return land


def _results(con, run_id: str) -> list[tuple]:
    return con.execute(
        "SELECT delivery_date, suite, expectation, column_name, severity, success, element_count, "
        "unexpected_count, details FROM meta.gx_results WHERE run_id = ? ORDER BY ALL", [run_id]).fetchall()


def test_ingestion_names_each_delivery_once_its_rows_are_final(tmp_path):
    land = _landing(tmp_path)
    finished = []

    def done(day):  # the rows of the delivery are all in when ingestion says so
        rows = land.rows("SELECT count(*) FROM raw.orders WHERE _delivery_date = ?", [day])[0][0]
        finished.append((day.isoformat(), rows))

    ingest_source(land.con, "orders", land.root, KEY, "run-1", delivery_done=done)
    assert finished == [(DAYS[0], 12), (DAYS[1], 14), (DAYS[2], 7)]
    finished.clear()
    ingest_source(land.con, "orders", land.root, KEY, "run-2", delivery_done=done)
    assert finished == []  # nothing new: nothing to validate


def test_background_validation_gives_what_validating_after_ingestion_gives(tmp_path):
    beside, after = _landing(tmp_path / "beside"), _landing(tmp_path / "after")
    with BackgroundValidation(beside.con, "run-1") as validation:
        ingest_source(beside.con, "orders", beside.root, KEY, "run-1",
                      delivery_done=lambda day: validation.delivery_loaded("orders", day))
        validation.source_loaded("orders")
        outcomes, seconds = validation.outcomes("orders")
    ingest_source(after.con, "orders", after.root, KEY, "run-1")
    expected = validate_source(after.con, "orders", "run-1")

    assert [o.delivery_date for o in outcomes] == [dt.date.fromisoformat(d) for d in DAYS]
    assert [(o.delivery_date, o.row_count, o.evaluated, o.failed_errors, o.failed_warnings) for o in outcomes] == [
        (o.delivery_date, o.row_count, o.evaluated, o.failed_errors, o.failed_warnings) for o in expected]
    assert seconds > 0
    assert len(_results(after.con, "run-1")) > 3 * 30  # every expectation of the suite, per delivery
    assert _results(beside.con, "run-1") == _results(after.con, "run-1")
    counts = beside.rows("SELECT delivery_date, count(DISTINCT validated_at) FROM meta.gx_results GROUP BY 1 ORDER BY 1")
    assert [n for _, n in counts] == [1, 1, 1]  # the catch-all after the source did not validate them again


def test_a_delivery_an_earlier_run_left_unvalidated_is_validated_after_its_source(tmp_path):
    land = _landing(tmp_path)
    ingest_source(land.con, "orders", land.root, KEY, "interrupted")  # loaded, never validated
    with BackgroundValidation(land.con, "run-2") as validation:
        ingest_source(land.con, "orders", land.root, KEY, "run-2",
                      delivery_done=lambda day: validation.delivery_loaded("orders", day))
        validation.source_loaded("orders")
        outcomes, _ = validation.outcomes("orders")
    assert [o.delivery_date.isoformat() for o in outcomes] == list(DAYS)


def test_a_failure_on_the_worker_reaches_the_caller(tmp_path, monkeypatch):
    land = _landing(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("GX could not read the delivery")

    monkeypatch.setattr(bg, "validate_source", broken)
    with BackgroundValidation(land.con, "run-1") as validation:
        ingest_source(land.con, "orders", land.root, KEY, "run-1",
                      delivery_done=lambda day: validation.delivery_loaded("orders", day))
        with pytest.raises(RuntimeError, match="could not read the delivery"):
            validation.outcomes("orders")
    assert land.rows("SELECT count(*) FROM meta.gx_results") == [(0,)]


def test_a_failing_step_drops_the_validations_not_started(tmp_path):
    land = _landing(tmp_path)
    ingest_source(land.con, "orders", land.root, KEY, "run-1")
    with pytest.raises(RuntimeError, match="the step failed"), BackgroundValidation(land.con, "run-1") as validation:
        for day in DAYS:
            validation.delivery_loaded("orders", dt.date.fromisoformat(day))
        raise RuntimeError("the step failed")
    validated = land.rows("SELECT count(DISTINCT delivery_date) FROM meta.gx_results")[0][0]
    assert validated < len(DAYS)  # at most the one running when the step failed
