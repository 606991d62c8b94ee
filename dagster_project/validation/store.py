"""``meta.gx_results``: one row per expectation per validated delivery, and which deliveries still need one.

Rows are keyed by (run_id, source, delivery_date, suite): re-validating the same delivery in the same
run (a retried Dagster step) replaces its rows instead of doubling them; other runs' rows are kept as
history. A delivery needs validation when it has no results yet or rows were loaded after its last
validation (a corrected file replaced part of it).
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from dagster_project.contract import load_contract
from dagster_project.validation.outcome import SuiteOutcome
from dagster_project.warehouse.work_db import META_TABLES

# The columns of meta.gx_results, in table order, as the warehouse DDL declares them.
_COLUMNS = ", ".join(name for name, _type in META_TABLES["gx_results"])


def utc_now() -> dt.datetime:
    """UTC, naive: the warehouse's timestamp convention (docs/architecture.md)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def write_results(con: duckdb.DuckDBPyConnection, run_id: str, outcome: SuiteOutcome) -> None:
    """Replace this run's rows for the delivery with the outcome's, atomically."""
    validated_at = utc_now()
    rows = [
        (
            run_id,
            outcome.source,
            outcome.delivery_date,
            outcome.suite,
            r.expectation,
            r.column,
            r.severity,
            r.success,
            r.element_count,
            r.unexpected_count,
            json.dumps(r.details, ensure_ascii=False, sort_keys=True),
            validated_at,
        )
        for r in outcome.results
    ]
    own_transaction = _begin(con)
    try:
        con.execute(
            "DELETE FROM meta.gx_results WHERE run_id = ? AND source = ? AND delivery_date = ? AND suite = ?",
            [run_id, outcome.source, outcome.delivery_date, outcome.suite],
        )
        if rows:
            placeholders = ", ".join(["?"] * len(META_TABLES["gx_results"]))
            con.executemany(f"INSERT INTO meta.gx_results ({_COLUMNS}) VALUES ({placeholders})", rows)
        if own_transaction:
            con.execute("COMMIT")
    except BaseException:
        if own_transaction:
            con.execute("ROLLBACK")
        raise


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Start a transaction unless the caller already holds one (then the caller's makes it atomic)."""
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        return False
    return True


def pending_deliveries(con: duckdb.DuckDBPyConnection, source: str, suite: str,
                       day: dt.date | None = None) -> list[dt.date]:
    """Deliveries of a source with loaded rows never validated, or loaded again since the last validation
    (only ``day``, when given: the pipeline asks as each delivery finishes loading)."""
    table = load_contract()[source].raw_table
    only_day = "" if day is None else "WHERE _delivery_date = $day"
    rows = con.execute(
        f"""
        WITH loaded AS (
            SELECT _delivery_date AS delivery_date, max(_loaded_at) AS last_loaded
            FROM {table} {only_day} GROUP BY 1
        ), checked AS (
            SELECT delivery_date, max(validated_at) AS last_validated
            FROM meta.gx_results WHERE source = $source AND suite = $suite GROUP BY 1
        )
        SELECT l.delivery_date
        FROM loaded l LEFT JOIN checked c USING (delivery_date)
        WHERE l.delivery_date IS NOT NULL
          AND (c.last_validated IS NULL OR l.last_loaded > c.last_validated)
        ORDER BY 1
        """,
        {"source": source, "suite": suite} | ({} if day is None else {"day": day}),
    ).fetchall()
    return [r[0] for r in rows]
