"""Which deliveries block publication, on this run and every later one.

Validation runs only on deliveries with rows loaded since their last validation, so a check result
alone would let a failed delivery through on the next run ("Great Expectations on 0 deliveries",
passed). Instead the block is derived from what is recorded: a delivery blocks while

- its latest Great Expectations validation failed an error-severity expectation (and it still has
  loaded rows), or
- one of its current files does not reconcile (rows read <> rows loaded + rows quarantined),

unless an override (state.overrides, copied to ``meta.delivery_overrides``) was recorded at or after
that failing result. Changed files are loaded and validated again, so a fixed delivery unblocks by
itself, and a new failure after an override blocks again.

Every run rewrites ``meta.delivery_blocks`` with the result (published as ``dq_delivery_blocks``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from dagster_project.contract import load_contract

GX_CONTRACT_CHECK = "gx_contract_suite"
RECONCILED_CHECK = "rows_reconciled"


@dataclass(frozen=True)
class DeliveryBlock:
    source: str
    delivery_date: dt.date
    check_name: str
    failed_at: dt.datetime
    failures: str
    override_id: int | None  # the override that released it, else None (still blocking)

    @property
    def blocked(self) -> bool:
        return self.override_id is None

    def describe(self) -> str:
        state = "BLOCKED" if self.blocked else f"released by override {self.override_id}"
        return f"{self.source} {self.delivery_date.isoformat()} {self.check_name}: {state} ({self.failures})"


def _blocks_sql(raw_table: str) -> str:
    return f"""
WITH latest AS (
    SELECT delivery_date, max(validated_at) AS validated_at
    FROM meta.gx_results WHERE source = $source AND suite = $suite GROUP BY 1
), gx AS (
    SELECT g.delivery_date, '{GX_CONTRACT_CHECK}' AS check_name, g.validated_at AS failed_at,
           string_agg(g.expectation || coalesce('(' || g.column_name || ')', '') || ': '
                      || coalesce(g.unexpected_count, 0)::VARCHAR || ' unexpected', '; '
                      ORDER BY g.expectation, g.column_name) AS failures
    FROM meta.gx_results g JOIN latest l USING (delivery_date, validated_at)
    WHERE g.source = $source AND g.suite = $suite AND g.severity = 'error' AND NOT g.success
      AND g.delivery_date IN (SELECT DISTINCT _delivery_date FROM {raw_table})
    GROUP BY 1, 2, 3
), reconciliation AS (
    SELECT delivery_date, '{RECONCILED_CHECK}' AS check_name, max(loaded_at) AS failed_at,
           string_agg(file_name || ': ' || rows_read::VARCHAR || ' read <> ' || rows_loaded::VARCHAR || ' loaded + '
                      || rows_quarantined::VARCHAR || ' quarantined', '; ' ORDER BY file_name) AS failures
    FROM meta.file_registry
    WHERE source = $source AND status <> 'superseded' AND rows_read <> rows_loaded + rows_quarantined
    GROUP BY 1, 2
), failing AS (
    SELECT * FROM gx UNION ALL SELECT * FROM reconciliation
)
SELECT f.delivery_date, f.check_name, f.failed_at, f.failures,
       (SELECT max(o.override_id) FROM meta.delivery_overrides o
        WHERE o.source = $source AND o.delivery_date = f.delivery_date AND o.overridden_at >= f.failed_at) AS override_id
FROM failing f
ORDER BY f.delivery_date, f.check_name
"""


def delivery_blocks(con: duckdb.DuckDBPyConnection, source: str, suite: str) -> list[DeliveryBlock]:
    """Deliveries of ``source`` whose latest blocking check failed, blocking or released by an override."""
    rows = con.execute(_blocks_sql(load_contract()[source].raw_table), {"source": source, "suite": suite}).fetchall()
    return [DeliveryBlock(source, day, check, failed_at, failures, override_id)
            for day, check, failed_at, failures, override_id in rows]


def record_blocks(con: duckdb.DuckDBPyConnection, source: str, blocks: list[DeliveryBlock], run_id: str) -> None:
    """Replace ``meta.delivery_blocks`` rows of ``source`` with this run's view (one transaction)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM meta.delivery_blocks WHERE source = ?", [source])
        if blocks:
            con.executemany(
                "INSERT INTO meta.delivery_blocks (source, delivery_date, check_name, failed_at, failures, blocked, "
                "override_id, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(b.source, b.delivery_date, b.check_name, b.failed_at, b.failures, b.blocked, b.override_id, run_id)
                 for b in blocks],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def copy_overrides(con: duckdb.DuckDBPyConnection, frame) -> None:
    """Replace ``meta.delivery_overrides`` with the state store's overrides (state.overrides.export_overrides)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM meta.delivery_overrides")
        if len(frame):
            con.register("_rw_overrides", frame)
            try:
                con.execute("INSERT INTO meta.delivery_overrides BY NAME SELECT * FROM _rw_overrides")
            finally:
                con.unregister("_rw_overrides")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
