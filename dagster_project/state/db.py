"""Opening the state database and creating its tables.

Each feature registers its DDL in ``SCHEMA`` so that one ``connect_state`` creates everything.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_utc TEXT NOT NULL,            -- ISO 8601 UTC
        actor TEXT NOT NULL,             -- user name, or 'system'
        action TEXT NOT NULL,            -- e.g. sign_in, sign_in_failed, sign_out, download, decision, report_approved
        target TEXT,                     -- what it acted on (page, table, merchant id, report month)
        detail TEXT                      -- JSON with the specifics (filters, previous value, reason)
    )
    """,
    "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at_utc)",
]


def register_schema(*statements: str) -> None:
    """Let a feature module add its tables (called at import time of that module)."""
    for statement in statements:
        if statement not in SCHEMA:
            SCHEMA.append(statement)


def open_state() -> sqlite3.Connection:
    """The configured state store (``Settings.state_db``): the one way pages and commands open it.

    Close it when done. Never blocking a reader: WAL lets readers run beside a writer, and the busy
    timeout of ``connect_state`` waits out another writer instead of failing.
    """
    from dagster_project.settings import get_settings

    return connect_state(get_settings().state_db)


def connect_state(path: Path) -> sqlite3.Connection:
    """Open the state database, creating it and every registered table when missing.

    WAL mode and a busy timeout let dashboard sessions and CLI commands write side by side.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA foreign_keys=ON")
    for statement in SCHEMA:
        con.execute(statement)
    return con
