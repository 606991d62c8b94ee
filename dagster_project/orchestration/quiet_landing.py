"""Before a run starts: does the landing look exactly as the last publication found it?

A Dagster run of the whole warehouse job logs a "planned" event for every asset and check in its plan
(about 340, one SQLite transaction each) before its first step runs: 3–4 s of a nightly run that then
finds nothing new and skips dbt and publication. When this look-ahead says nothing seems new, the
command line runs only the ingestion step (the same asset, with the same scan, hashes, Great
Expectations, fingerprint and "nothing new" record), and runs the whole job only if ingestion finds
something after all.

The look-ahead is read-only and cheap (file names and sizes, no file is read), so it can be wrong in
one direction only: a file replaced by different bytes of the same size, under the same name, looks
unchanged here, and the ingestion step then loads it and the whole job follows. It never makes a run
skip work: the ingestion step's own fingerprint decides that, as before.
"""

from __future__ import annotations

from contextlib import closing

import duckdb

from dagster_project.contract import SOURCES
from dagster_project.ingest.discovery import scan_source
from dagster_project.ingest.erasure_list import ERASED_MARKER
from dagster_project.orchestration import build_inputs
from dagster_project.settings import Settings


def _registered_sizes(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, object, str], int | None]:
    """Every current (not superseded) registry entry: (source, delivery date, file name) → bytes."""
    return {(source, day, name): size for source, day, name, size in con.execute(
        "select source, delivery_date, file_name, file_bytes from meta.file_registry where status <> 'superseded'"
    ).fetchall()}


def unregistered_file(con: duckdb.DuckDBPyConnection, settings: Settings) -> str | None:
    """The first landing file with no current registry entry of its size (None when every one has)."""
    registered = _registered_sizes(con)
    for source in SOURCES:
        deliveries, _ = scan_source(settings.landing, source)
        for delivery in deliveries:
            for path in delivery.files:
                try:
                    size = path.stat().st_size
                except OSError:
                    return str(path)
                if registered.get((source, delivery.delivery_date, path.name)) != size:
                    return str(path)
    return None


def _erasure_pending(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(
        "select count(*) from raw.privacy_requests where request_type = 'deletion' and status = 'completed' "
        "and consumer_key <> ?", [ERASED_MARKER]).fetchone()[0] > 0


def landing_looks_unchanged(settings: Settings) -> bool:
    """True when a run would most likely find nothing new: the published file is there, every landing file
    is registered with its size, no erasure waits, and the inputs' fingerprint (build_inputs: registry,
    overrides, decisions, erasures, settings, code) is the one of the last publication. Any doubt answers
    False."""
    if not (settings.work_db.is_file() and settings.warehouse.is_file() and settings.landing.is_dir()):
        return False
    try:
        with closing(duckdb.connect(str(settings.work_db), read_only=True)) as con:
            last = build_inputs.last_publication(con)
            return (last is not None
                    and unregistered_file(con, settings) is None
                    and not _erasure_pending(con)
                    and build_inputs.fingerprint(con, settings) == last.fingerprint)
    except (duckdb.Error, OSError):  # an older work file, a locked or unreadable one: let the run decide
        return False


INGESTED_ONLY = "ingested"


def record_ingested_only(settings: Settings, run_id: str) -> None:
    """The ingestion-only run found something new: it loaded it, and the whole job that follows builds
    and publishes it. Its row says so instead of staying 'running' (the next start would call it abandoned)."""
    from datetime import UTC, datetime

    from dagster_project.warehouse.work_db import connect_work_db

    with closing(connect_work_db(settings.work_db)) as con:
        con.execute(
            "update meta.pipeline_runs set status = ?, finished_at = ?, message = ? where run_id = ? "
            "and status = 'running'",
            [INGESTED_ONLY, datetime.now(UTC).replace(tzinfo=None),
             "ingested only: a look-ahead saw nothing new, ingestion found new input; the warehouse job started "
             "right after this run builds and publishes it (仅完成导入：随后启动的仓库作业负责构建和发布)", run_id])
