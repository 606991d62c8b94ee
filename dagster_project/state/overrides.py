"""Overrides of blocked deliveries, kept in the state store and audited.

A delivery whose blocking check (the Great Expectations error suite, row reconciliation) failed stays
blocked on every later run, so nothing is published, until its files change or a named person
records an override with a reason. The override covers the check results known when it was recorded:
if the files change afterwards and fail again, the delivery is blocked again and needs a new one.

Overrides are appended, never updated; each is written to the audit log in the same transaction. The
pipeline copies them into the work table ``meta.delivery_overrides`` at the start of every run
(``export_overrides``), where the blocking checks and the published mart ``dq_delivery_overrides``
read them.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from dagster_project.contract import SOURCES
from dagster_project.state.audit import record_audit
from dagster_project.state.db import register_schema

COLUMNS = ("override_id", "source", "delivery_date", "overridden_by", "reason", "overridden_at")
RESERVED_ACTORS = ("system",)

_DDL = (
    """
    CREATE TABLE IF NOT EXISTS delivery_overrides (
        override_id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        delivery_date TEXT NOT NULL,      -- ISO date of the delivery folder
        overridden_by TEXT NOT NULL,      -- the named person who takes responsibility
        reason TEXT NOT NULL,
        overridden_at TEXT NOT NULL       -- ISO 8601 UTC
    )
    """,
)
register_schema(*_DDL)


class OverrideError(ValueError):
    """An override that cannot be recorded (unknown source, bad date, no actor or reason)."""


def record_override(con: sqlite3.Connection, source: str, delivery_date: date | str, actor: str, reason: str,
                    at: datetime | None = None) -> dict[str, Any]:
    """Record and audit one override; return it. Writes nothing when a rule is broken."""
    actor = (actor or "").strip()
    reason = (reason or "").strip()
    if source not in SOURCES:
        raise OverrideError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    try:
        day = date.fromisoformat(str(delivery_date)).isoformat()
    except ValueError as exc:
        raise OverrideError(f"delivery date must be YYYY-MM-DD, got {delivery_date!r}") from exc
    if not actor or actor.lower() in RESERVED_ACTORS:
        raise OverrideError("an override needs a named person (--actor NAME)")
    if not reason:
        raise OverrideError("an override needs a reason (--reason TEXT)")
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    for statement in _DDL:
        con.execute(statement)
    con.execute("BEGIN IMMEDIATE")
    try:
        cur = con.execute(
            "INSERT INTO delivery_overrides (source, delivery_date, overridden_by, reason, overridden_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (source, day, actor, reason, when),
        )
        override_id = int(cur.lastrowid)
        record_audit(con, actor, "delivery_override", f"{source}/{day}",
                     {"override_id": override_id, "reason": reason})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return dict(con.execute("SELECT * FROM delivery_overrides WHERE override_id = ?", (override_id,)).fetchone())


def export_overrides(con: sqlite3.Connection) -> pd.DataFrame:
    """Every override, typed for ``meta.delivery_overrides`` (date, naive UTC timestamp)."""
    for statement in _DDL:
        con.execute(statement)
    frame = pd.read_sql_query(f"SELECT {', '.join(COLUMNS)} FROM delivery_overrides ORDER BY override_id", con)
    frame["override_id"] = frame["override_id"].astype("int64")
    for col in ("source", "overridden_by", "reason"):
        frame[col] = frame[col].astype("object")
    frame["delivery_date"] = pd.to_datetime(frame["delivery_date"], format="%Y-%m-%d").dt.date
    frame["overridden_at"] = pd.to_datetime(frame["overridden_at"], utc=True, format="ISO8601").dt.tz_localize(None)
    return frame[list(COLUMNS)]
