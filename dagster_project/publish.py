"""Publishing: replace the warehouse readers see only with a complete, checked build.

The marts built in the work file are copied into a fresh DuckDB file next to the published one,
which is then moved over it with an atomic rename. A reader that has the old file open keeps
reading it undisturbed; the next connection sees the new one. A failed run never reaches this
step, so the last good warehouse stays readable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project import memory

PUBLISHED_SCHEMA = "marts"


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]  # table name -> row count
    published_at: datetime


def _sql_string(value: str) -> str:
    """A SQL string literal (ATTACH takes no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"


def publish(work_db: Path, published: Path, run_id: str | None = None) -> PublishResult:
    """Copy every table of schema ``marts`` from ``work_db`` into ``published``, atomically."""
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    tables: dict[str, int] = {}
    con = memory.connect(":memory:", work_db)  # an in-memory instance spills only where told
    try:
        con.execute(f"ATTACH {_sql_string(str(work_db))} AS work (READ_ONLY)")
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'work' and table_schema = ? and table_type = 'BASE TABLE' "
                "order by table_name",
                [PUBLISHED_SCHEMA],
            ).fetchall()
        ]
        if not names:
            raise RuntimeError(f"{work_db} has no tables in schema {PUBLISHED_SCHEMA}: nothing to publish")
        con.execute(f"ATTACH {_sql_string(str(tmp))} AS pub")
        con.execute(f"CREATE SCHEMA pub.{PUBLISHED_SCHEMA}")
        for name in names:
            # names come from the catalogue, quoted as identifiers
            con.execute(f'CREATE TABLE pub.{PUBLISHED_SCHEMA}."{name}" AS SELECT * FROM work.{PUBLISHED_SCHEMA}."{name}"')
            tables[name] = con.execute(f'SELECT count(*) FROM pub.{PUBLISHED_SCHEMA}."{name}"').fetchone()[0]
        if run_id and "dq_pipeline_runs" in tables:
            # The run that publishes is, by construction, a successful one: record it in the copy.
            con.execute(
                f"UPDATE pub.{PUBLISHED_SCHEMA}.dq_pipeline_runs SET status = 'success', finished_at = ? "
                "WHERE run_id = ?",
                [published_at, run_id],
            )
        con.execute("DETACH pub")
        con.execute("DETACH work")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)  # left by DuckDB when a write failed
        raise
    con.close()
    os.replace(tmp, published)
    return PublishResult(path=published, tables=tables, published_at=published_at)


def open_published(published: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse, for dashboards, reports and tests.

    ``duckdb.connect(path)`` shares one database instance per path inside a process, so a long-lived
    reader (a Streamlit server) would keep seeing the file it first opened after a publish replaced
    it. Attaching the file to a private in-memory instance opens whatever file the path names now.
    """
    if not Path(published).exists():
        raise FileNotFoundError(
            f"no published warehouse at {published}: run `rightswatch run` (or `make pipeline`) first, "
            "or point RW_WAREHOUSE at an existing one"
        )
    con = duckdb.connect()
    con.execute(f"ATTACH {_sql_string(str(published))} AS warehouse (READ_ONLY)")
    con.execute("USE warehouse")
    return con
