"""How much memory DuckDB may use and where it spills: one setting for ingestion, dbt and publication.

DuckDB's own default (80 % of the machine's memory, spilling only beside a database file) lets one
10-million-line build take most of a shared machine, and an in-memory connection (publication)
cannot spill at all. Every DuckDB connection the pipeline opens therefore gets:

- ``RW_MEMORY_LIMIT``: DuckDB ``memory_limit`` (e.g. ``2GiB``, ``1500MB``). Default: 40 % of the
  machine's physical memory, at most 1.5 GiB — big joins spill to disk instead of growing the process,
  and the machine keeps room for Python, Great Expectations' pandas frames, Dagster and dbt. Measured
  on a full 10 M build (docs/performance.md, thirteenth session): peak RSS 4,877 MiB with 3 GiB (while
  ingesting the orders Parquet: DuckDB's buffer plus Python, Arrow and Dagster), 4,148 MiB with 2 GiB and
  4,151 MiB with 1.5 GiB, in 580, 584 and 569 s: at that size DuckDB spills without a measurable cost.
  The rest of that peak was Great Expectations' whole-delivery frame; since GX checks uniqueness on key
  parts the 10 M build peaks at 3,453 MiB, while ingesting the orders Parquet (fourteenth session).
- ``RW_TEMP_DIR``: DuckDB ``temp_directory`` for what does not fit. Default: ``<stem>.tmp`` beside
  the work database, on the same disk as the data.

dbt reads both through ``env_var`` in ``dbt/profiles.yml``; ``export_for_dbt`` puts the values in
force into the environment dbt inherits, so all three steps agree. It also tells the dbt wrapper
(``dagster_project/bin/dbt_child.py``) to start dbt in the work database's folder with the file and spill
directory named relative to it (``dbt_location``): dbt re-parses the whole project when its profile's
values change, and absolute paths would change them with every new warehouse folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

MEMORY_ENV = "RW_MEMORY_LIMIT"
TEMP_ENV = "RW_TEMP_DIR"
MAX_DEFAULT_BYTES = 3 << 29  # 1.5 GiB
DEFAULT_SHARE = 0.4
_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


class MemorySettingError(ValueError):
    """RW_MEMORY_LIMIT is not a size DuckDB understands."""


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return 8 << 30


def memory_limit() -> str:
    """The DuckDB memory limit in force: RW_MEMORY_LIMIT, else the machine-sized default."""
    value = os.environ.get(MEMORY_ENV, "").strip()
    if value:
        if not _SIZE.fullmatch(value):
            raise MemorySettingError(
                f"{MEMORY_ENV}={value!r} is not a memory size: write e.g. 2GiB, 1500MB or 4GB")
        return value.replace(" ", "")
    default = min(MAX_DEFAULT_BYTES, int(_physical_memory() * DEFAULT_SHARE))
    return f"{default >> 20}MiB"


def temp_dir(work_db: Path) -> Path:
    """Where DuckDB spills: RW_TEMP_DIR, else ``<stem>.tmp`` beside the work database."""
    value = os.environ.get(TEMP_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else work_db.with_name(work_db.stem + ".tmp")


def duckdb_config(work_db: Path) -> dict[str, str]:
    """The ``config`` for ``duckdb.connect`` (a new connection; settings apply to the whole instance)."""
    return {"memory_limit": memory_limit(), "temp_directory": str(temp_dir(work_db))}


def connect(database: str, work_db: Path) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the memory settings, and without DuckDB's own progress bar (it would
    scribble over the pipeline's progress lines)."""
    con = duckdb.connect(database, config=duckdb_config(work_db))
    con.execute("SET enable_progress_bar = false")
    return con


def dbt_location(work_db: Path) -> dict[str, str]:
    """The profile's work file and spill directory as dbt sees them when started in the work file's folder:
    names relative to that folder (the spill directory stays absolute when it lies elsewhere)."""
    temp = temp_dir(work_db)
    inside = temp.parent.resolve() == work_db.parent.resolve()
    return {"RW_DBT_WORK_FILE": work_db.name, "RW_DBT_TEMP_DIR": temp.name if inside else str(temp)}


def export_for_dbt(work_db: Path) -> dict[str, str]:
    """Put the values in force into the environment dbt inherits: the memory limit, and for the dbt
    wrapper the folder to start dbt in with the work file and spill directory named relative to it
    (``RW_DBT_CWD*``: only the wrapper reads them, so a plain ``dbt`` started from this process still
    opens the absolute paths its profile derives from ``RW_WAREHOUSE``). ``RW_TEMP_DIR`` is left as the
    user gave it: exported, it would hold this work file's spill directory for the next run of the same
    process on another warehouse (the tests run many)."""
    location = dbt_location(work_db)
    values = {MEMORY_ENV: memory_limit(), "RW_DBT_CWD": str(work_db.parent),
              "RW_DBT_CWD_WORK_FILE": location["RW_DBT_WORK_FILE"],
              "RW_DBT_CWD_TEMP_DIR": location["RW_DBT_TEMP_DIR"]}
    os.environ.update(values)
    return values
