"""Publishing: replace the warehouse readers see only with a complete, checked build.

The marts built in the work file are written into a fresh DuckDB file next to the published one,
which is then moved over it with an atomic rename. A reader that has the old file open keeps
reading it undisturbed; the next connection sees the new one. A failed run never reaches this
step, so the last good warehouse stays readable.

Cost follows what changed. Re-encoding every mart on every run costs as much as the marts are big,
even when a new day touched a few of them. So the new file starts as a byte copy of the published
one (a sequential copy, far cheaper than re-encoding), and only the tables whose content differs
from the build are replaced in it; tables the build no longer has are dropped. "Differs" is decided
by a checksum over the whole table — column names and types, row count and the sum of every row's
hash — computed on both sides (a read-only scan, about a second per 10 M rows). When most rows
changed anyway, or there is no published file yet, the new file is written from scratch, which also
returns the space of replaced tables. Either way readers only ever see a whole file (rename).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.warehouse import memory
from dagster_project.warehouse.sql_quote import lit

PUBLISHED_SCHEMA = "marts"
# Above this share of changed rows, starting from a copy would cost more than writing afresh.
FRESH_FILE_ABOVE = 0.5


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]  # table name -> row count
    published_at: datetime
    copied: list[str] = field(default_factory=list)  # tables written by this publication
    kept: list[str] = field(default_factory=list)  # tables carried over unchanged from the last one


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE' order by table_name",
            [catalog, PUBLISHED_SCHEMA],
        ).fetchall()
    ]


def _checksum(con: duckdb.DuckDBPyConnection, catalog: str, name: str) -> tuple:
    """Columns (name, type, order), row count and the order-independent sum of row hashes."""
    columns = tuple(con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, PUBLISHED_SCHEMA, name],
    ).fetchall())
    rows, hashed = con.execute(f'SELECT count(*), sum(hash(t)) FROM {catalog}.{PUBLISHED_SCHEMA}."{name}" AS t').fetchone()
    return columns, rows, hashed


def _start_from_published(con, published: Path, tmp: Path, names: list[str]) -> tuple[list[str], list[str]] | None:
    """Copy the published file to ``tmp`` and tell which tables must be (re)written; None = start afresh."""
    if not published.is_file():
        return None
    shutil.copyfile(published, tmp)
    con.execute(f"ATTACH {lit(str(tmp))} AS pub")
    old = set(_tables(con, "pub"))
    work_sums = {name: _checksum(con, "work", name) for name in names}
    changed = [n for n in names if n not in old or _checksum(con, "pub", n) != work_sums[n]]
    total = sum(s[1] for s in work_sums.values()) or 1
    if sum(work_sums[n][1] for n in changed) / total > FRESH_FILE_ABOVE:
        con.execute("DETACH pub")
        tmp.unlink()
        return None
    for name in sorted(old - set(names)) + [n for n in changed if n in old]:
        con.execute(f'DROP TABLE pub.{PUBLISHED_SCHEMA}."{name}"')
    con.execute("CHECKPOINT pub")  # freed blocks are reused by the tables written next
    return changed, [n for n in names if n not in changed]


def publish(work_db: Path, published: Path, run_id: str | None = None) -> PublishResult:
    """Make ``published`` hold exactly the tables of schema ``marts`` in ``work_db``, atomically."""
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con = memory.connect(":memory:", work_db)  # an in-memory instance spills only where told
    try:
        con.execute(f"ATTACH {lit(str(work_db))} AS work (READ_ONLY)")
        names = _tables(con, "work")
        if not names:
            raise RuntimeError(f"{work_db} has no tables in schema {PUBLISHED_SCHEMA}: nothing to publish")
        plan = _start_from_published(con, published, tmp, names)
        if plan is None:
            con.execute(f"ATTACH {lit(str(tmp))} AS pub")
            con.execute(f"CREATE SCHEMA pub.{PUBLISHED_SCHEMA}")
            plan = (names, [])
        copied, kept = plan
        for name in copied:
            # names come from the catalogue, quoted as identifiers
            con.execute(f'CREATE TABLE pub.{PUBLISHED_SCHEMA}."{name}" AS SELECT * FROM work.{PUBLISHED_SCHEMA}."{name}"')
        tables = {name: con.execute(f'SELECT count(*) FROM pub.{PUBLISHED_SCHEMA}."{name}"').fetchone()[0]
                  for name in names}
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
    return PublishResult(path=published, tables=tables, published_at=published_at, copied=copied, kept=kept)


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
    con.execute(f"ATTACH {lit(str(published))} AS warehouse (READ_ONLY)")
    con.execute("USE warehouse")
    return con
