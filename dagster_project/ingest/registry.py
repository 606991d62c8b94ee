"""meta.file_registry: which file bytes were loaded, rejected or replaced.

The registry is what makes re-delivery safe: the same bytes under the same name are a no-op,
different bytes are a correction that replaces the earlier version's rows. Bytes already loaded
or rejected under another name or on another day are a 'repeat' (landing contract 1.1): nothing is
read, loaded or quarantined again, and the entry names the first delivery of those bytes. At most
one row per (source, delivery_date, file_name) is not 'superseded'; superseded rows stay as the
audit trail of what was delivered and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class RegistryEntry:
    file_sha256: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    message: str | None


def current_entry(con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date, file_name: str) -> RegistryEntry | None:
    row = con.execute(
        """
        SELECT file_sha256, status, rows_read, rows_loaded, rows_quarantined, message
        FROM meta.file_registry
        WHERE source = ? AND delivery_date = ? AND file_name = ? AND status <> 'superseded'
        ORDER BY loaded_at DESC LIMIT 1
        """,
        [source, delivery_date, file_name],
    ).fetchone()
    return RegistryEntry(*row) if row else None


def first_delivery_of(con: duckdb.DuckDBPyConnection, source: str, file_sha256: str,
                      delivery_date: dt.date, file_name: str) -> tuple[dt.date, str] | None:
    """(delivery_date, file_name) where these bytes were first loaded or rejected as another file,
    or None when they are new. Superseded bytes do not count: sending an old version back under
    its own name is a correction like any other."""
    row = con.execute(
        """
        SELECT delivery_date, file_name FROM meta.file_registry
        WHERE source = ? AND file_sha256 = ? AND status IN ('loaded', 'rejected')
          AND NOT (delivery_date = ? AND file_name = ?)
        ORDER BY delivery_date, loaded_at, file_name LIMIT 1
        """,
        [source, file_sha256, delivery_date, file_name],
    ).fetchone()
    return (row[0], row[1]) if row else None


def current_file_names(con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date) -> set[str]:
    """Names of the delivery's files with a current (not superseded) registry entry."""
    return {r[0] for r in con.execute(
        "SELECT file_name FROM meta.file_registry WHERE source = ? AND delivery_date = ? AND status <> 'superseded'",
        [source, delivery_date]).fetchall()}


def retire_for_rereading(con: duckdb.DuckDBPyConnection, raw_table: str, source: str, delivery_date: dt.date,
                         file_name: str) -> None:
    """Retire a file's current entry and rows so that it is read again as it is now (one transaction;
    if the process stops before the re-read, the next run reads it, as for any new file)."""
    con.execute("BEGIN TRANSACTION")
    try:
        retire_previous(con, raw_table, source, delivery_date, file_name)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def retire_previous(con: duckdb.DuckDBPyConnection, raw_table: str, source: str, delivery_date: dt.date, file_name: str) -> None:
    """Mark the current entry superseded and delete the rows its file produced (inside the caller's
    transaction, so the old rows disappear exactly when the new ones appear)."""
    con.execute(
        "UPDATE meta.file_registry SET status = 'superseded' "
        "WHERE source = ? AND delivery_date = ? AND file_name = ? AND status <> 'superseded'",
        [source, delivery_date, file_name],
    )
    con.execute(f"DELETE FROM {raw_table} WHERE _delivery_date = ? AND _file_name = ?", [delivery_date, file_name])
    con.execute(
        "DELETE FROM meta.quarantine WHERE source = ? AND delivery_date = ? AND file_name = ?",
        [source, delivery_date, file_name],
    )


def insert_entry(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    delivery_date: dt.date,
    file_name: str,
    file_sha256: str,
    file_bytes: int,
    file_format: str,
    encoding: str | None,
    status: str,
    rows_read: int,
    rows_loaded: int,
    rows_quarantined: int,
    extra_columns: str | None,
    message: str | None,
    loaded_at: dt.datetime,
    run_id: str,
) -> None:
    con.execute(
        """
        INSERT INTO meta.file_registry (source, delivery_date, file_name, file_sha256, file_bytes, file_format,
            encoding, status, rows_read, rows_loaded, rows_quarantined, extra_columns, message, loaded_at, run_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [source, delivery_date, file_name, file_sha256, file_bytes, file_format, encoding, status,
         rows_read, rows_loaded, rows_quarantined, extra_columns, message, loaded_at, run_id],
    )
