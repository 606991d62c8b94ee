"""The audit log: who did what, when (sign-ins, downloads, decisions, approvals, deliveries)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any


def record_audit(con: sqlite3.Connection, actor: str, action: str, target: str | None = None,
                 detail: dict[str, Any] | None = None, at: datetime | None = None) -> int:
    """Append one audit entry and return its id. Entries are never updated or deleted."""
    at_utc = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    cur = con.execute(
        "INSERT INTO audit_log (at_utc, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        (at_utc, actor, action, target, json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None),
    )
    return int(cur.lastrowid)


def read_audit_log(con: sqlite3.Connection, limit: int = 500, action: str | None = None) -> list[dict[str, Any]]:
    """Newest first; optionally only one kind of action."""
    if action:
        rows = con.execute(
            "SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?", (action, limit)
        ).fetchall()
    else:
        rows = con.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(r) for r in rows]
