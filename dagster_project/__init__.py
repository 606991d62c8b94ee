"""RightsWatch: consumer-rights protection warehouse (ingestion, validation, dbt, publication).

Arrow allocates with jemalloc here, not its default mimalloc (unless ``ARROW_DEFAULT_MEMORY_POOL``
says otherwise). Ingestion reads and pseudonymises each batch on one thread while DuckDB consumes the
one before on another. Ingesting the 1 M bench's Parquet backfill took 11.7 s and 1,699 MiB with
mimalloc, 7.6 s and 1,571 MiB with the C library's allocator and 7.6 s and 1,448 MiB with jemalloc; at
10 M the C library's allocator grew the build's peak by 200 MiB and took 26 s longer, jemalloc did not
(a full 1 M build was 1-2 s faster with the C library's; docs/performance.md, fourteenth session). Set
when the package is first imported, before any Arrow buffer exists.
"""

import os

if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
    import pyarrow

    try:
        pyarrow.set_memory_pool(pyarrow.jemalloc_memory_pool())
    except NotImplementedError:  # an Arrow built without jemalloc (as on Windows): the C library's
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
