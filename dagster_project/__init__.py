"""RightsWatch: consumer-rights protection warehouse (ingestion, validation, dbt, publication).

Arrow allocates through the C library's allocator here, not its bundled mimalloc (unless
``ARROW_DEFAULT_MEMORY_POOL`` says otherwise). Ingestion reads and pseudonymises each batch on one
thread and DuckDB consumes it on another; with mimalloc, ingesting the 1 M bench's Parquet backfill took
11.8 s and 1,775 MiB, with the system allocator 7.8 s and 1,641 MiB (docs/performance.md, fourteenth
session). Set once, when the package is first imported, before any Arrow buffer exists.
"""

import os

if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
    import pyarrow

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
