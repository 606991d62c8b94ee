"""The work database's own tables: raw history and pipeline metadata (layout in docs/architecture.md).

Kept in one place so that ingestion, validation, the dbt sources and the tests create and read the
same tables.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import duckdb

from dagster_project.contract import load_contract
from dagster_project.warehouse import memory
from dagster_project.warehouse.sql_quote import lit

META_TABLES: dict[str, list[tuple[str, str]]] = {
    "file_registry": [
        ("source", "VARCHAR"),
        ("delivery_date", "DATE"),
        ("file_name", "VARCHAR"),
        ("file_sha256", "VARCHAR"),
        ("file_bytes", "BIGINT"),
        ("file_format", "VARCHAR"),
        ("encoding", "VARCHAR"),
        ("status", "VARCHAR"),
        ("rows_read", "BIGINT"),
        ("rows_loaded", "BIGINT"),
        ("rows_quarantined", "BIGINT"),
        ("extra_columns", "VARCHAR"),
        ("message", "VARCHAR"),
        ("loaded_at", "TIMESTAMP"),
        ("run_id", "VARCHAR"),
    ],
    "quarantine": [
        ("source", "VARCHAR"),
        ("delivery_date", "DATE"),
        ("file_name", "VARCHAR"),
        ("file_sha256", "VARCHAR"),
        ("line", "BIGINT"),
        ("rule", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("message", "VARCHAR"),
        ("raw_values", "VARCHAR"),
        ("quarantined_at", "TIMESTAMP"),
        ("run_id", "VARCHAR"),
    ],
    "landing_issues": [
        ("path", "VARCHAR"),
        ("issue", "VARCHAR"),
        ("detected_at", "TIMESTAMP"),
        ("last_seen_at", "TIMESTAMP"),
        ("run_id", "VARCHAR"),
    ],
    "gx_results": [
        ("run_id", "VARCHAR"),
        ("source", "VARCHAR"),
        ("delivery_date", "DATE"),
        ("suite", "VARCHAR"),
        ("expectation", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("severity", "VARCHAR"),
        ("success", "BOOLEAN"),
        ("element_count", "BIGINT"),
        ("unexpected_count", "BIGINT"),
        ("details", "VARCHAR"),
        ("validated_at", "TIMESTAMP"),
    ],
    # Copied from the state store before every dbt build (state.decisions.export_decisions), so the
    # enforcement list shows management's decisions beside the computed tier. The state store stays
    # the durable original: a rebuild never loses a decision.
    "management_decisions": [
        ("decision_id", "BIGINT"),
        ("merchant_id", "VARCHAR"),
        ("as_of_date", "DATE"),
        ("computed_tier", "INTEGER"),
        ("decision", "VARCHAR"),
        ("decided_tier", "INTEGER"),
        ("reason", "VARCHAR"),
        ("decided_by", "VARCHAR"),
        ("decided_at", "TIMESTAMP"),
    ],
    # Copied from the state store at the start of every run (state.overrides.export_overrides): who
    # released a blocked delivery, and why. The state store stays the durable original.
    "delivery_overrides": [
        ("override_id", "BIGINT"),
        ("source", "VARCHAR"),
        ("delivery_date", "DATE"),
        ("overridden_by", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("overridden_at", "TIMESTAMP"),
    ],
    # Written by every run: per source and delivery whose latest blocking check failed, whether it
    # still blocks publication or was released by an override (validation.blocking).
    "delivery_blocks": [
        ("source", "VARCHAR"),
        ("delivery_date", "DATE"),
        ("check_name", "VARCHAR"),
        ("failed_at", "TIMESTAMP"),
        ("failures", "VARCHAR"),
        ("blocked", "BOOLEAN"),
        ("override_id", "BIGINT"),
        ("run_id", "VARCHAR"),
    ],
    "pipeline_runs": [
        ("run_id", "VARCHAR"),
        ("started_at", "TIMESTAMP"),
        ("finished_at", "TIMESTAMP"),
        ("status", "VARCHAR"),
        ("latest_delivery_date", "DATE"),
        ("message", "VARCHAR"),
    ],
}


def _create_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> None:
    cols = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and meta schemas and tables when missing (idempotent)."""
    contract = load_contract()
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    for source in contract.sources.values():
        _create_table(con, source.raw_table, source.raw_columns())
    for name, columns in META_TABLES.items():
        _create_table(con, f"meta.{name}", columns)
        _add_missing_columns(con, f"meta.{name}", columns)


def _add_missing_columns(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> None:
    """Columns added to META_TABLES since a work file was created (NULL in its existing rows)."""
    schema, name = table.split(".")
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name]).fetchall()}
    for column, sql_type in columns:
        if column not in present:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {sql_type}')


def connect_work_db(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the pipeline's work database with its raw and meta tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = memory.connect(str(path), path)  # bounded memory, spills to RW_TEMP_DIR
    ensure_schema(con)
    return con


def copy_database(src: Path, dst: Path) -> None:
    """``dst`` (a new file) gets every schema, table and view of ``src``, which is only read (the privacy
    compaction, the as-of rebuild's private copy).

    Under the pipeline's memory limit: with DuckDB's default (80 % of RAM) the compaction's copy of a 10 M
    work file kept 2.5 GiB of blocks cached and reached 3,965 MiB."""
    for leftover in (dst, dst.with_name(dst.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with closing(memory.connect(":memory:", src)) as con:
        con.execute(f"ATTACH {lit(str(src))} AS src (READ_ONLY)")
        con.execute(f"ATTACH {lit(str(dst))} AS dst")
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH src")
        con.execute("CHECKPOINT dst")
        con.execute("DETACH dst")
