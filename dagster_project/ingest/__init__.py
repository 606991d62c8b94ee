"""Ingestion of landing deliveries into the work DuckDB (raw.*, meta.*), strictly by the contract.

Public API (used by the Dagster assets and the CLI)::

    key = load_or_create_key(settings)
    result = ingest_source(con, source="orders", landing_root=path, key=key, run_id="...", progress=print)
    issues = scan_landing(con, landing_root)
    pseudonymise(value, key)  # hex HMAC-SHA256
"""

from dagster_project.ingest.discovery import scan_landing
from dagster_project.ingest.load import ReconciliationError, ingest_source
from dagster_project.ingest.pseudonymise import load_or_create_key, pseudonymise
from dagster_project.ingest.results import FileResult, SourceResult
from dagster_project.ingest.uscc import is_valid_uscc

__all__ = [
    "FileResult",
    "ReconciliationError",
    "SourceResult",
    "ingest_source",
    "is_valid_uscc",
    "load_or_create_key",
    "pseudonymise",
    "scan_landing",
]
