"""Ingestion of landing deliveries into the work DuckDB (raw.*, meta.*), strictly by the contract.

Public API (used by the Dagster assets and the CLI)::

    key = load_or_create_key(settings)
    result = ingest_source(con, source="orders", landing_root=path, key=key, run_id="...", progress=print)
    issues = scan_landing(con, landing_root)
    pseudonymise(value, key)  # hex HMAC-SHA256
"""

import os

import pyarrow


def _choose_arrow_allocator() -> str:
    """Arrow allocates with jemalloc in ingestion and validation, not its default mimalloc (unless
    ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise; the C library's allocator where Arrow has no jemalloc).

    Ingestion reads and pseudonymises each batch on one thread while DuckDB consumes the one before on
    another. Ingesting the 1 M bench's Parquet backfill took 11.7 s and 1,699 MiB with mimalloc, 7.6 s
    and 1,571 MiB with the C library's allocator and 7.6 s and 1,448 MiB with jemalloc. A full 10 M build
    with the C library's allocator took 26 s longer and peaked 259 MiB higher than with jemalloc (a full
    1 M build was 1-2 s faster with it; docs/performance.md, fourteenth session). Chosen when this package
    is first imported, before ingestion allocates anything: not at the top of ``dagster_project``, whose
    light modules (settings, the CLI's parser, the dashboards' imports) would otherwise load Arrow."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pyarrow.set_memory_pool(pyarrow.jemalloc_memory_pool())
        except NotImplementedError:
            pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    return pyarrow.default_memory_pool().backend_name


ARROW_ALLOCATOR = _choose_arrow_allocator()

from dagster_project.ingest.discovery import scan_landing  # noqa: E402  (after the allocator is chosen)
from dagster_project.ingest.load import ReconciliationError, ingest_source  # noqa: E402
from dagster_project.ingest.pseudonymise import load_or_create_key, pseudonymise  # noqa: E402
from dagster_project.ingest.results import FileResult, SourceResult  # noqa: E402
from dagster_project.ingest.uscc import is_valid_uscc  # noqa: E402

__all__ = [
    "ARROW_ALLOCATOR",
    "FileResult",
    "ReconciliationError",
    "SourceResult",
    "ingest_source",
    "is_valid_uscc",
    "load_or_create_key",
    "pseudonymise",
    "scan_landing",
]
