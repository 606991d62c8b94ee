"""Validation of loaded deliveries: a clean delivery passes, broken rows fail the right expectations.

The raw tables are built with ``warehouse.ensure_schema`` on an in-memory DuckDB and filled directly,
so these tests exercise the suites exactly as they run after ingestion, without depending on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb
import pandas as pd
import pytest

from dagster_project.contract import load_contract
from dagster_project.settings import EXPECTATIONS_DIR
from dagster_project.validation import SuiteOutcome, validate_delivery, validate_source
from dagster_project.warehouse.work_db import ensure_schema

DAY = dt.date(2025, 3, 1)
BASE = dt.datetime(2025, 2, 28, 8, 0, 0)
USCC = "91310115MA1H7GQ03X"  # valid charset and length (the check character is ingestion's job)


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _value(source: str, col, i: int):
    """A valid, plausible value of a contract column for row ``i``."""
    if col.pii:
        return _hex(f"{col.name}-{i}")
    if col.check == "uscc":
        return USCC
    if col.values is not None:
        return col.values[i % len(col.values)]
    if col.type == "string":
        return "CNY" if col.name == "currency" else f"{col.name}-{i}"
    if col.type == "integer":
        return 1 + i % 5
    if col.type == "decimal":
        return round(10 + (i % 50) * 3.5, 2)
    if col.type == "timestamp":
        return BASE + dt.timedelta(minutes=i % 600)
    if col.type == "date":
        return dt.date(2030, 1, 1)
    if col.type == "boolean":
        return i % 2 == 0
    raise AssertionError(col.type)


# Optional columns the distribution checks expect filled for some statuses.
_KEEP_FILLED = {"resolved_at", "decided_at"}


def clean_rows(source: str, n: int) -> pd.DataFrame:
    """``n`` rows that satisfy every contract rule and every distribution check of ``source``.

    Every fourth row leaves its optional columns empty, so nullable dtypes (Int64, boolean) are
    exercised as well as plain ones.
    """
    src = load_contract()[source]
    rows = []
    for i in range(n):
        row = {
            c.stored_name: None
            if i % 4 == 3 and not c.required and c.name not in _KEEP_FILLED
            else _value(source, c, i)
            for c in src.columns
        }
        # Keys unique per version; order lines 1..3 per order.
        key = src.key[0]
        row[key] = f"{key}-{i // 3 if source == 'orders' else i}"
        if source == "orders":
            row["line_no"] = 1 + i % 3
            row["list_price"] = None if row["list_price"] is None else row["unit_price"] + 5
        if source == "merchants":
            row["updated_at"] = row["onboarded_at"] + dt.timedelta(days=1)
        if source == "refunds" and row["decision"] != "approved":
            row["refunded_at"] = None
        rows.append(row)
    return pd.DataFrame(rows)


def load(con: duckdb.DuckDBPyConnection, source: str, df: pd.DataFrame, day: dt.date = DAY) -> None:
    """Insert rows into raw.<source> as ingestion would, with its metadata columns."""
    df = df.copy()
    df["_delivery_date"] = day
    df["_file_name"] = f"{source}.csv"
    df["_file_sha256"] = "0" * 64
    df["_line"] = range(2, len(df) + 2)
    df["_loaded_at"] = dt.datetime(2025, 3, 1, 1, 0, 0)
    con.register("incoming", df)
    con.execute(f"INSERT INTO raw.{source} BY NAME SELECT * FROM incoming")
    con.unregister("incoming")


@pytest.fixture
def con():
    connection = duckdb.connect(":memory:")
    ensure_schema(connection)
    yield connection
    connection.close()


def _result(outcome: SuiteOutcome, expectation: str, column: str, severity: str = "error"):
    matches = [
        r
        for r in outcome.results
        if r.expectation == expectation and r.column == column and r.severity == severity
    ]
    assert len(matches) == 1, (expectation, column, matches)
    return matches[0]


@pytest.mark.parametrize("source", ["merchants", "orders", "complaints", "refunds"])
def test_clean_delivery_passes_every_expectation(con, source):
    load(con, source, clean_rows(source, 600))  # enough rows for every statistical check to run
    outcome = validate_delivery(con, source, DAY, "run-clean")
    failed = [(r.expectation, r.column, r.details) for r in outcome.results if not r.success]
    assert failed == []
    assert outcome.success and outcome.failed_errors == 0 and outcome.failed_warnings == 0
    assert outcome.row_count == 600 and outcome.skipped == ()
    suite = json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))
    assert [r.check for r in outcome.results] == [e["meta"]["check"] for e in suite["expectations"]]
    stored = con.execute(
        "SELECT count(*), bool_and(success) FROM meta.gx_results WHERE run_id = 'run-clean' AND source = ?",
        [source],
    ).fetchone()
    assert stored == (outcome.evaluated, True)


def test_broken_orders_fail_the_right_error_expectations_and_are_recorded(con):
    clear_id = "13800138000"
    df = clean_rows("orders", 300)
    df.loc[[0, 1, 2], "channel"] = "tv_shopping"  # enum outside its list
    df.loc[[3, 4], "sku_id"] = None  # required value missing
    df.loc[5, "consumer_key"] = clear_id  # a clear consumer id slipped past pseudonymisation
    df.loc[6, "quantity"] = -2  # quantity > 0 broken ...
    df.loc[7, "quantity"] = 0  # ... including its exclusive bound
    df = pd.concat([df, df.iloc[[10]]], ignore_index=True)  # same (order_id, line_no, updated_at) twice
    load(con, "orders", df)

    outcome = validate_delivery(con, "orders", DAY, "run-broken")

    assert outcome.success is False
    expected = {
        ("expect_column_values_to_be_in_set", "channel"): 3,
        ("expect_column_values_to_not_be_null", "sku_id"): 2,
        ("expect_column_values_to_match_regex", "consumer_key"): 1,
        ("expect_column_values_to_be_between", "quantity"): 2,
        ("expect_compound_columns_to_be_unique", "order_id,line_no,updated_at"): 2,
    }
    failed = {(r.expectation, r.column): r.unexpected_count for r in outcome.failures("error")}
    assert failed == expected
    assert outcome.failed_errors == len(expected)
    assert (
        _result(outcome, "expect_column_values_to_be_in_set", "channel").details["unexpected_sample"]
        == ["tv_shopping"] * 3
    )

    stored = con.execute(
        """SELECT expectation, column_name, unexpected_count, element_count, details
           FROM meta.gx_results
           WHERE run_id = 'run-broken' AND source = 'orders' AND delivery_date = ?
             AND severity = 'error' AND NOT success""",
        [DAY],
    ).fetchall()
    assert {(e, c): n for e, c, n, _, _ in stored} == expected
    assert all(elements == 301 for *_, elements, _ in stored)
    # The clear value is never repeated into meta.gx_results (published as marts.dq_gx_results).
    all_details = con.execute("SELECT string_agg(details, '') FROM meta.gx_results").fetchone()[0]
    assert clear_id not in all_details
    regex = json.loads(next(d for e, c, _, _, d in stored if c == "consumer_key"))
    assert regex["unexpected_sample"] == "withheld: pseudonymised column"


def test_a_raw_column_of_the_wrong_type_fails_its_type_expectation(con):
    con.execute("ALTER TABLE raw.merchants ALTER category TYPE BIGINT")
    df = clean_rows("merchants", 20)
    df["category"] = 7
    load(con, "merchants", df)

    outcome = validate_delivery(con, "merchants", DAY, "run-type")

    assert not outcome.success
    assert [(r.expectation, r.column) for r in outcome.failures()] == [
        ("expect_column_values_to_be_in_type_list", "category")
    ]


def test_distribution_failures_warn_without_failing_the_suite(con):
    df = clean_rows("complaints", 600)
    df["status"] = "open"  # nothing closed
    df["right_category"] = "returns"  # one right only
    df["resolved_at"] = None
    load(con, "complaints", df)

    outcome = validate_delivery(con, "complaints", DAY, "run-warn")

    assert outcome.success is True and outcome.failed_errors == 0
    failed = {(r.column, r.severity, r.check) for r in outcome.failures()}
    assert failed == {
        ("status", "warn", "status.closed_share"),
        ("right_category", "warn", "right_category.all_present"),
    }
    assert outcome.failed_warnings == 2
    assert _result(outcome, "expect_column_values_to_be_in_set", "status", "warn").unexpected_count == 600
    rows = con.execute(
        "SELECT column_name, severity FROM meta.gx_results WHERE run_id = 'run-warn' AND NOT success ORDER BY 1"
    ).fetchall()
    assert rows == [("right_category", "warn"), ("status", "warn")]


def test_statistical_checks_are_skipped_on_small_deliveries(con):
    df = clean_rows("complaints", 40)
    df["status"] = "open"  # would fail status.closed_share on a large delivery
    load(con, "complaints", df)

    outcome = validate_delivery(con, "complaints", DAY, "run-small-warn")

    assert outcome.failed_warnings == 0
    assert {"status.closed_share", "right_category.all_present"} <= set(outcome.skipped)
    recorded = {
        r[0]
        for r in con.execute("SELECT details FROM meta.gx_results WHERE run_id = 'run-small-warn'").fetchall()
    }
    assert len(recorded) == outcome.evaluated
    assert not any("closed_share" in d for d in recorded)
    # Contract rules never depend on size: they all ran.
    suite = json.loads((EXPECTATIONS_DIR / "complaints.json").read_text(encoding="utf-8"))
    errors = [e["meta"]["check"] for e in suite["expectations"] if e["meta"]["severity"] == "error"]
    assert set(errors) <= {r.check for r in outcome.results}


def test_rows_without_nulls_use_plain_dtypes_and_still_pass(con):
    # Three rows and no empty optional column: DuckDB hands pandas int64/bool instead of Int64/boolean.
    load(con, "orders", clean_rows("orders", 3))
    outcome = validate_delivery(con, "orders", DAY, "run-small")
    assert outcome.success and outcome.failed_errors == 0


@pytest.mark.parametrize("source", ["orders", "complaints"])
def test_optional_columns_entirely_empty_still_pass_the_contract(con, source):
    # A daily delivery where no row has, e.g., a satisfaction score: all-NULL BIGINT/BOOLEAN/VARCHAR
    # columns reach pandas as Int64/boolean/object and must still satisfy their type expectations.
    df = clean_rows(source, 30)
    src = load_contract()[source]
    for col in src.columns:
        if not col.required:
            df[col.stored_name] = None
    load(con, source, df)
    outcome = validate_delivery(con, source, DAY, "run-all-null")
    assert outcome.failures("error") == []


def test_empty_delivery_only_warns(con):
    outcome = validate_delivery(con, "refunds", DAY, "run-empty")
    assert outcome.success and outcome.row_count == 0
    assert {r.severity for r in outcome.failures()} == {"warn"}
    assert [r.check for r in outcome.failures()] == ["row_count.positive"]
    assert "amount.median_sane" in outcome.skipped


def test_validate_source_picks_unvalidated_deliveries_and_reruns_replace_rows(con):
    day2 = DAY + dt.timedelta(days=1)
    load(con, "refunds", clean_rows("refunds", 30), DAY)
    load(con, "refunds", clean_rows("refunds", 30), day2)

    first = validate_source(con, "refunds", "run-1")
    assert [o.delivery_date for o in first] == [DAY, day2]
    assert all(o.success for o in first)
    assert validate_source(con, "refunds", "run-2") == []  # nothing new

    # A corrected file reloads rows of the first delivery after its validation.
    con.execute(
        "UPDATE raw.refunds SET _loaded_at = now()::TIMESTAMP + INTERVAL 1 HOUR WHERE _delivery_date = ?",
        [DAY],
    )
    assert [o.delivery_date for o in validate_source(con, "refunds", "run-3")] == [DAY]

    # Explicit dates are validated even when up to date; the same run twice replaces its rows.
    validate_source(con, "refunds", "run-3", delivery_dates=[str(DAY)])
    counts = con.execute(
        "SELECT run_id, count(*) FROM meta.gx_results WHERE delivery_date = ? GROUP BY 1 ORDER BY 1", [DAY]
    ).fetchall()
    evaluated = first[0].evaluated
    assert counts == [("run-1", evaluated), ("run-3", evaluated)]
