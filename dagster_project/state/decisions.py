"""Management decisions on the enforcement list (confirm, downgrade, dismiss), kept in the state store.

The enforcement list (``marts.rpt_merchant_enforcement``) computes a tier per merchant and list date;
management then acts on it. A decision is recorded against the tier the list computed
(``computed_tier``) on a list date (``as_of_date``):

- ``confirm``   — the computed tier stands (``decided_tier`` = ``computed_tier``);
- ``downgrade`` — a lower tier is applied (``decided_tier`` < ``computed_tier``); a reason is required;
- ``dismiss``   — no action (``decided_tier`` = 0), e.g. the evidence is found wrong; a reason is required.

Decisions are appended, never updated: the latest per merchant is the current one and the whole
history stays readable. Every decision is written to the audit log together with the decision it
replaces, in the same transaction.

Carrying a decision into later lists (done in dbt, ``rpt_merchant_enforcement``): the pipeline copies
``export_decisions`` into the work table ``meta.management_decisions`` before dbt runs. A decision is
shown on every later list date while the merchant stays, without interruption, at the computed tier
the decision was made on. When the computed tier changes (a new, higher tier above all) the decision
no longer applies and the row is open for review again.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from dagster_project.state.audit import record_audit
from dagster_project.state.db import register_schema

DECISIONS = ("confirm", "downgrade", "dismiss")
MIN_TIER, MAX_TIER = 0, 4

# Column order of the decisions table; export_decisions and meta.management_decisions use the same.
COLUMNS = ("decision_id", "merchant_id", "as_of_date", "computed_tier", "decision", "decided_tier",
           "reason", "decided_by", "decided_at")

_DDL = (
    """
    CREATE TABLE IF NOT EXISTS management_decisions (
        decision_id INTEGER PRIMARY KEY AUTOINCREMENT,
        merchant_id TEXT NOT NULL,
        as_of_date TEXT NOT NULL,          -- ISO date of the list the decision was made on
        computed_tier INTEGER NOT NULL CHECK (computed_tier BETWEEN 0 AND 4),
        decision TEXT NOT NULL CHECK (decision IN ('confirm', 'downgrade', 'dismiss')),
        decided_tier INTEGER NOT NULL CHECK (decided_tier BETWEEN 0 AND 4),
        reason TEXT,                       -- required for downgrade and dismiss
        decided_by TEXT NOT NULL,
        decided_at TEXT NOT NULL           -- ISO 8601 UTC
    )
    """,
    "CREATE INDEX IF NOT EXISTS management_decisions_merchant ON management_decisions (merchant_id, decision_id)",
)
register_schema(*_DDL)


def _ensure(con: sqlite3.Connection) -> None:
    """Create the table on a connection opened before this module was imported (idempotent)."""
    for statement in _DDL:
        con.execute(statement)


class DecisionError(ValueError):
    """A decision that breaks the rules (unknown kind, missing reason, tier out of range)."""


def _as_date(value: date | str) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise DecisionError(f"as_of_date is not a date: {value!r}") from exc


def _as_tier(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_TIER <= value <= MAX_TIER:
        raise DecisionError(f"{name} must be an integer tier {MIN_TIER}–{MAX_TIER}, got {value!r}")
    return value


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def _latest(con: sqlite3.Connection, merchant_id: str) -> dict[str, Any] | None:
    return _row(con.execute(
        "SELECT * FROM management_decisions WHERE merchant_id = ? ORDER BY decision_id DESC LIMIT 1",
        (merchant_id,),
    ).fetchone())


def record_decision(con: sqlite3.Connection, merchant_id: str, as_of_date: date | str, computed_tier: int,
                    decision: str, decided_tier: int | None, reason: str | None, actor: str,
                    at: datetime | None = None) -> int:
    """Record one decision on a merchant's computed tier and audit it; return the decision id.

    ``decided_tier`` may be None for ``confirm`` (= computed tier) and ``dismiss`` (= 0); when given it
    must agree with them. ``downgrade`` requires ``decided_tier`` < ``computed_tier`` and a reason;
    ``dismiss`` requires a reason. Raises ``DecisionError`` and writes nothing when a rule is broken.
    """
    merchant_id = (merchant_id or "").strip()
    actor = (actor or "").strip()
    reason = (reason or "").strip() or None
    if not merchant_id:
        raise DecisionError("merchant_id is required")
    if not actor:
        raise DecisionError("actor (who decides) is required")
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    list_date = _as_date(as_of_date)
    computed = _as_tier("computed_tier", computed_tier)
    if decision == "confirm":
        decided = computed if decided_tier is None else _as_tier("decided_tier", decided_tier)
        if decided != computed:
            raise DecisionError("confirm keeps the computed tier; use downgrade for a lower tier")
    elif decision == "dismiss":
        decided = MIN_TIER if decided_tier is None else _as_tier("decided_tier", decided_tier)
        if decided != MIN_TIER:
            raise DecisionError("dismiss means no action (tier 0); use downgrade for a lower non-zero tier")
        if reason is None:
            raise DecisionError("dismiss requires a reason")
    else:  # downgrade
        if decided_tier is None:
            raise DecisionError("downgrade requires the decided tier")
        decided = _as_tier("decided_tier", decided_tier)
        if decided >= computed:
            raise DecisionError(f"downgrade requires decided_tier < computed_tier ({decided} >= {computed})")
        if reason is None:
            raise DecisionError("downgrade requires a reason")
    decided_at = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")

    _ensure(con)
    own_transaction = not con.in_transaction  # join a caller's transaction, else make the write atomic
    if own_transaction:
        con.execute("BEGIN IMMEDIATE")
    try:
        previous = _latest(con, merchant_id)
        cur = con.execute(
            "INSERT INTO management_decisions (merchant_id, as_of_date, computed_tier, decision, decided_tier,"
            " reason, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (merchant_id, list_date, computed, decision, decided, reason, actor, decided_at),
        )
        decision_id = int(cur.lastrowid)
        record_audit(con, actor, "decision", target=merchant_id, at=datetime.fromisoformat(decided_at), detail={
            "decision_id": decision_id, "as_of_date": list_date, "computed_tier": computed,
            "decision": decision, "decided_tier": decided, "reason": reason,
            "previous": {k: previous[k] for k in COLUMNS} if previous else None,
        })
        if own_transaction:
            con.execute("COMMIT")
    except BaseException:
        if own_transaction:
            con.execute("ROLLBACK")
        raise
    return decision_id


def current_decisions(con: sqlite3.Connection) -> list[dict[str, Any]]:
    """The latest decision of every merchant that has one, by merchant id."""
    _ensure(con)
    rows = con.execute(
        "SELECT d.* FROM management_decisions d"
        " JOIN (SELECT merchant_id, MAX(decision_id) AS decision_id FROM management_decisions"
        "       GROUP BY merchant_id) l USING (merchant_id, decision_id)"
        " ORDER BY d.merchant_id"
    ).fetchall()
    return [dict(r) for r in rows]


def decision_history(con: sqlite3.Connection, merchant_id: str) -> list[dict[str, Any]]:
    """Every decision on one merchant, newest first."""
    _ensure(con)
    rows = con.execute(
        "SELECT * FROM management_decisions WHERE merchant_id = ? ORDER BY decision_id DESC", (merchant_id,)
    ).fetchall()
    return [dict(r) for r in rows]


def export_decisions(con: sqlite3.Connection) -> pd.DataFrame:
    """All decisions (history included) typed for the work table ``meta.management_decisions``.

    Columns as ``COLUMNS``: as_of_date is a date, decided_at a naive UTC timestamp, tiers integers.
    An empty state store gives an empty frame with the same columns and dtypes.
    """
    _ensure(con)
    frame = pd.read_sql_query(
        f"SELECT {', '.join(COLUMNS)} FROM management_decisions ORDER BY decision_id", con
    )
    frame["decision_id"] = frame["decision_id"].astype("int64")
    frame["computed_tier"] = frame["computed_tier"].astype("int32")
    frame["decided_tier"] = frame["decided_tier"].astype("int32")
    for col in ("merchant_id", "decision", "reason", "decided_by"):
        frame[col] = frame[col].astype("object")
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"], format="%Y-%m-%d").dt.date
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True).dt.tz_localize(None)
    return frame[list(COLUMNS)]
