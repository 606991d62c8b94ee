"""Durable application state that no warehouse rebuild touches (SQLite beside the warehouse).

Management decisions, the audit log, report approvals and deliveries live here, outside the
rebuildable marts. SQLite because many dashboard sessions and CLI commands write concurrently.
"""

from dagster_project.state.audit import read_audit_log, record_audit
from dagster_project.state.db import connect_state, open_state

__all__ = ["connect_state", "open_state", "read_audit_log", "record_audit"]
