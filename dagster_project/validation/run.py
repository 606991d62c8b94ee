"""Validate deliveries: read the loaded rows, run the source's suite on them, record and return the outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from dagster_project.validation.frames import as_date, delivery_frame, referenced_columns
from dagster_project.validation.outcome import SuiteOutcome, from_gx, summarise
from dagster_project.validation.store import pending_deliveries, write_results
from dagster_project.validation.suites import applicable, gx_suite, load_suite

# SUMMARY gives counts and a few sample values without GX collecting every unexpected index.
RESULT_FORMAT = "SUMMARY"


def run_suite(con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date | str) -> SuiteOutcome:
    """Run the suite on one delivery without recording anything (for previews and tests)."""
    day = as_date(delivery_date)
    suite = load_suite(source)
    df = delivery_frame(con, source, day, referenced_columns(source, suite["expectations"]))
    to_run, skipped = applicable(source, len(df))
    checks = tuple(e["meta"]["check"] for e in to_run)
    from dagster_project.validation import gx_runtime  # GX takes seconds to import: only when validating

    with gx_runtime.LOCK:
        batch = gx_runtime.batch_definition(source).get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(gx_suite(source, checks), result_format=RESULT_FORMAT)
    # GX returns results grouped by metric, not in suite order; keep the suite's order for readers.
    order = {check: i for i, check in enumerate(checks)}
    outcomes = sorted((from_gx(source, r, len(df)) for r in result.results), key=lambda o: order[o.check])
    skipped_checks = tuple(e["meta"]["check"] for e in skipped)
    return summarise(source, day, suite["name"], outcomes, len(df), skipped_checks)


def validate_delivery(
    con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date | str, run_id: str
) -> SuiteOutcome:
    """Run the suite on the rows loaded for one delivery and write one meta.gx_results row per expectation."""
    outcome = run_suite(con, source, delivery_date)
    write_results(con, run_id, outcome)
    return outcome


def validate_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    run_id: str,
    delivery_dates: Iterable[dt.date | str] | None = None,
) -> list[SuiteOutcome]:
    """Validate the given deliveries, or every delivery with rows not validated since they were loaded."""
    if delivery_dates is None:
        days = pending_deliveries(con, source, load_suite(source)["name"])
    else:
        days = sorted({as_date(d) for d in delivery_dates})
    return [validate_delivery(con, source, day, run_id) for day in days]
