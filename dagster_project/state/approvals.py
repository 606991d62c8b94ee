"""Four-eyes approval and delivery tracking of regulator reports (state database).

A built report waits for a second person before it leaves the platform::

    built ──approve──► approved ──mark_sent──► sent ──acknowledge──► acknowledged
      │                   │   ▲
      └──reject──► rejected   └─mark_failed─► failed ──(retry) mark_sent / mark_failed

A report built from a failed or incomplete pipeline run carries ``blocked_reason``: it can be looked
at, never approved or sent. Rebuilding a period puts it back to ``built`` (a new manifest needs a new
approval). Every change is written to the audit log. The dashboards' approval page calls
``list_reports``, ``approve``, ``reject`` and ``acknowledge``; the report job calls the rest.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from dagster_project.state.audit import record_audit
from dagster_project.state.db import register_schema

SYSTEM_ACTOR = "system"

register_schema(
    """
    CREATE TABLE IF NOT EXISTS report_approvals (
        period TEXT PRIMARY KEY,          -- '2026-01' (month) or '2026-W05' (week)
        kind TEXT NOT NULL,               -- 'month' | 'week'
        status TEXT NOT NULL,             -- built | approved | rejected | sent | failed | acknowledged
        report_dir TEXT NOT NULL,
        cutoff_at TEXT,                   -- the data cut-off the report was built as of (UTC ISO)
        manifest_sha256 TEXT,             -- hash of the manifest that was approved / sent
        run_id TEXT,
        blocked_reason TEXT,              -- set when built from a failed / incomplete run: never sent
        built_by TEXT NOT NULL,           -- 'system' for the schedule, else the user name
        built_at TEXT NOT NULL,
        approved_by TEXT,
        approved_at TEXT,
        rejected_by TEXT,
        rejected_at TEXT,
        rejected_reason TEXT,
        sent_at TEXT,
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        last_error TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS report_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        period TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        channel TEXT NOT NULL,            -- attachments | link | outbox
        recipients TEXT,                  -- JSON list
        status TEXT NOT NULL,             -- sent | failed
        error TEXT,
        manifest_sha256 TEXT,
        at_utc TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS report_deliveries_period ON report_deliveries (period, id)",
)


class ApprovalError(ValueError):
    """A transition that the four-eyes rules or the report's state do not allow."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def get_report(con: sqlite3.Connection, period: str) -> dict[str, Any] | None:
    row = con.execute("SELECT * FROM report_approvals WHERE period = ?", (period,)).fetchone()
    return dict(row) if row else None


def _require(con: sqlite3.Connection, period: str) -> dict[str, Any]:
    report = get_report(con, period)
    if report is None:
        raise ApprovalError(f"no report has been built for {period}")
    return report


def list_reports(con: sqlite3.Connection, status: str | None = None) -> list[dict[str, Any]]:
    """Reports newest period first, each with its delivery attempts (``deliveries``)."""
    if status:
        rows = con.execute(
            "SELECT * FROM report_approvals WHERE status = ? ORDER BY period DESC", (status,)
        ).fetchall()
    else:
        rows = con.execute("SELECT * FROM report_approvals ORDER BY period DESC").fetchall()
    reports = [dict(r) for r in rows]
    for report in reports:
        report["deliveries"] = list_deliveries(con, report["period"])
    return reports


def list_deliveries(con: sqlite3.Connection, period: str) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT * FROM report_deliveries WHERE period = ? ORDER BY id", (period,)
    ).fetchall()
    return [dict(r) for r in rows]


def record_built(con: sqlite3.Connection, period: str, *, kind: str, report_dir: str, built_by: str,
                 cutoff_at: str | None, manifest_sha256: str, run_id: str | None,
                 blocked_reason: str | None = None) -> dict[str, Any]:
    """Register a (re)built report: status ``built``, any earlier approval is void."""
    now = _now()
    previous = get_report(con, period)
    con.execute(
        """
        INSERT INTO report_approvals (period, kind, status, report_dir, cutoff_at, manifest_sha256, run_id,
            blocked_reason, built_by, built_at, updated_at)
        VALUES (?, ?, 'built', ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (period) DO UPDATE SET
            kind = excluded.kind, status = 'built', report_dir = excluded.report_dir,
            cutoff_at = excluded.cutoff_at, manifest_sha256 = excluded.manifest_sha256,
            run_id = excluded.run_id, blocked_reason = excluded.blocked_reason,
            built_by = excluded.built_by, built_at = excluded.built_at,
            approved_by = NULL, approved_at = NULL, rejected_by = NULL, rejected_at = NULL,
            rejected_reason = NULL, sent_at = NULL, acknowledged_by = NULL, acknowledged_at = NULL,
            last_error = NULL, updated_at = excluded.updated_at
        """,
        (period, kind, report_dir, cutoff_at, manifest_sha256, run_id, blocked_reason, built_by, now, now),
    )
    record_audit(con, built_by, "report_built", period, {
        "report_dir": report_dir, "cutoff_at": cutoff_at, "manifest_sha256": manifest_sha256,
        "run_id": run_id, "blocked_reason": blocked_reason,
        "previous_status": previous["status"] if previous else None,
    })
    return _require(con, period)


def approve(con: sqlite3.Connection, period: str, actor: str) -> dict[str, Any]:
    """Second pair of eyes: only a built, unblocked report; never by the user who built it."""
    report = _require(con, period)
    if not actor or not actor.strip():
        raise ApprovalError("an approval needs the approver's name")
    if report["status"] != "built":
        raise ApprovalError(f"report {period} is {report['status']}, only a built report can be approved")
    if report["blocked_reason"]:
        raise ApprovalError(f"report {period} was built from an incomplete run and cannot be approved: "
                            f"{report['blocked_reason']}")
    if report["built_by"] != SYSTEM_ACTOR and report["built_by"] == actor:
        raise ApprovalError(f"{actor} built report {period}; a different person must approve it (four eyes)")
    now = _now()
    con.execute(
        "UPDATE report_approvals SET status = 'approved', approved_by = ?, approved_at = ?, updated_at = ? "
        "WHERE period = ?", (actor, now, now, period))
    record_audit(con, actor, "report_approved", period, {"manifest_sha256": report["manifest_sha256"]})
    return _require(con, period)


def reject(con: sqlite3.Connection, period: str, actor: str, reason: str) -> dict[str, Any]:
    report = _require(con, period)
    if not reason or not reason.strip():
        raise ApprovalError("a rejection needs a reason")
    if report["status"] not in ("built", "approved"):
        raise ApprovalError(f"report {period} is {report['status']}; only a built or approved report can be rejected")
    now = _now()
    con.execute(
        "UPDATE report_approvals SET status = 'rejected', rejected_by = ?, rejected_at = ?, rejected_reason = ?, "
        "updated_at = ? WHERE period = ?", (actor, now, reason.strip(), now, period))
    record_audit(con, actor, "report_rejected", period, {"reason": reason.strip(),
                                                        "previous_status": report["status"]})
    return _require(con, period)


def record_delivery_attempt(con: sqlite3.Connection, period: str, *, attempt: int, channel: str,
                            recipients: list[str], status: str, error: str | None = None,
                            manifest_sha256: str | None = None) -> None:
    con.execute(
        "INSERT INTO report_deliveries (period, attempt, channel, recipients, status, error, manifest_sha256, at_utc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (period, attempt, channel, json.dumps(recipients, ensure_ascii=False), status, error, manifest_sha256, _now()),
    )


def mark_sent(con: sqlite3.Connection, period: str, actor: str = SYSTEM_ACTOR,
              detail: dict[str, Any] | None = None) -> dict[str, Any]:
    report = _require(con, period)
    if report["status"] not in ("approved", "failed"):
        raise ApprovalError(f"report {period} is {report['status']}; only an approved report can be sent")
    if report["blocked_reason"]:
        raise ApprovalError(f"report {period} is blocked: {report['blocked_reason']}")
    now = _now()
    con.execute("UPDATE report_approvals SET status = 'sent', sent_at = ?, last_error = NULL, updated_at = ? "
                "WHERE period = ?", (now, now, period))
    record_audit(con, actor, "report_sent", period, detail)
    return _require(con, period)


def mark_failed(con: sqlite3.Connection, period: str, error: str, actor: str = SYSTEM_ACTOR) -> dict[str, Any]:
    report = _require(con, period)
    if report["status"] not in ("approved", "failed"):
        raise ApprovalError(f"report {period} is {report['status']}; only an approved report can fail delivery")
    now = _now()
    con.execute("UPDATE report_approvals SET status = 'failed', last_error = ?, updated_at = ? WHERE period = ?",
                (error, now, period))
    record_audit(con, actor, "report_delivery_failed", period, {"error": error})
    return _require(con, period)


def acknowledge(con: sqlite3.Connection, period: str, actor: str, note: str | None = None) -> dict[str, Any]:
    """The regulator confirmed receipt (recorded by a user)."""
    report = _require(con, period)
    if report["status"] != "sent":
        raise ApprovalError(f"report {period} is {report['status']}; only a sent report can be acknowledged")
    now = _now()
    con.execute("UPDATE report_approvals SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, "
                "updated_at = ? WHERE period = ?", (actor, now, now, period))
    record_audit(con, actor, "report_acknowledged", period, {"note": note} if note else None)
    return _require(con, period)
