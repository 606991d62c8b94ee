"""Publishing: replace the warehouse readers see only with a complete, checked build.

The marts built in the work file are written into a fresh DuckDB file next to the published one,
which is then moved over it with an atomic rename. A reader that has the old file open keeps
reading it undisturbed; the next connection sees the new one. A failed run never reaches this
step, so the last good warehouse stays readable.

Cost follows what changed. Re-encoding every mart on every run costs as much as the marts are big,
even when a new day touched a few of them. So the new file starts as a byte copy of the published
one (a sequential copy, far cheaper than re-encoding), and only the tables whose content differs
from the build are brought up to date in it; tables the build no longer has are dropped. "Differs" is
decided by a checksum over the whole table — column names and types, row count and the sum of every
row's hash — computed on both sides (a read-only scan, about a second per 10 M rows). A changed table
whose rows differ in at most PATCH_AT_MOST of them (by row hash) is patched: the rows only the published
copy has are deleted, those only the build has inserted (a day's new order lines in a fact table of
years), and its checksum is compared again after; a table that fails that check (a row whose number of
copies changed) and any other changed table is written again whole. When most rows must be written anyway, or there is no published file yet, the new file is
written from scratch, which also returns the space of replaced and deleted rows. Either way readers
only ever see a whole file (rename).
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
# Above this share of rows to write, starting from a copy would cost more than writing afresh.
FRESH_FILE_ABOVE = 0.5
# A changed table is patched row by row when at most this share of its rows differ; else written whole.
PATCH_AT_MOST = 0.2


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]  # table name -> row count
    published_at: datetime
    copied: list[str] = field(default_factory=list)  # tables written whole by this publication
    kept: list[str] = field(default_factory=list)  # tables carried over unchanged from the last one
    patched: list[str] = field(default_factory=list)  # tables brought up to date by their changed rows


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE' order by table_name",
            [catalog, PUBLISHED_SCHEMA],
        ).fetchall()
    ]


@dataclass(frozen=True)
class _Plan:
    copied: list[str]  # written whole
    patched: list[str]  # rows deleted and inserted (temp tables gone_<i> / new_<i>, i = index in names)
    kept: list[str]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, name: str) -> tuple:
    return tuple(con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, PUBLISHED_SCHEMA, name],
    ).fetchall())


def _checksum(con: duckdb.DuckDBPyConnection, catalog: str, name: str) -> tuple:
    """Columns (name, type, order), row count and the order-independent sum of row hashes."""
    rows, hashed = con.execute(f'SELECT count(*), sum(hash(t)) FROM {catalog}.{PUBLISHED_SCHEMA}."{name}" AS t').fetchone()
    return _columns(con, catalog, name), rows, hashed


def _hashed_checksum(con, catalog: str, name: str, into: str) -> tuple:
    """The checksum of :func:`_checksum`, keeping each row's rowid and hash in temp table ``into``."""
    con.execute(f'CREATE OR REPLACE TEMP TABLE {into} AS '
                f'SELECT rowid AS r, hash(t) AS h FROM {catalog}.{PUBLISHED_SCHEMA}."{name}" AS t')
    rows, hashed = con.execute(f"SELECT count(*), sum(h) FROM {into}").fetchone()
    return _columns(con, catalog, name), rows, hashed


def _row_changes(con, tag: int) -> tuple[int, int]:
    """From the hashes of a table's two sides (temp tables pub_hashes, work_hashes): the rowids of the
    published rows whose hash the build lacks (temp table gone_<tag>) and of the build's rows whose hash
    the published copy lacks (new_<tag>), and how many of each."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE gone_{tag} AS SELECT r FROM pub_hashes WHERE h IN "
                "(SELECT h FROM pub_hashes EXCEPT SELECT h FROM work_hashes)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE new_{tag} AS SELECT r FROM work_hashes WHERE h IN "
                "(SELECT h FROM work_hashes EXCEPT SELECT h FROM pub_hashes)")
    return (con.execute(f"SELECT count(*) FROM gone_{tag}").fetchone()[0],
            con.execute(f"SELECT count(*) FROM new_{tag}").fetchone()[0])


def _patch(con, name: str, tag: int, expected: tuple) -> bool:
    """Delete the published copy's rows of ``name`` that the build no longer has and insert the build's new
    ones; True when the table's checksum then equals the build's. A row that only its count of copies tells
    apart (a multiset) makes the checksums differ, and the caller writes the table whole."""
    table = f'pub.{PUBLISHED_SCHEMA}."{name}"'
    con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT r FROM gone_{tag})")
    con.execute(f'INSERT INTO {table} SELECT * FROM work.{PUBLISHED_SCHEMA}."{name}" '
                f"WHERE rowid IN (SELECT r FROM new_{tag})")
    return _checksum(con, "pub", name) == expected


def _start_from_published(con, published: Path, tmp: Path, names: list[str]) -> tuple[_Plan, dict] | None:
    """Copy the published file to ``tmp`` and plan which tables are written, patched or kept, with the
    build's checksums; None = start afresh."""
    if not published.is_file():
        return None
    shutil.copyfile(published, tmp)
    con.execute(f"ATTACH {lit(str(tmp))} AS pub")
    old = set(_tables(con, "pub"))
    work_sums, copied, patched, kept, to_write = {}, [], [], [], 0
    for tag, name in enumerate(names):
        if name not in old:
            work_sums[name] = _checksum(con, "work", name)
            copied.append(name)
            to_write += work_sums[name][1]
            continue
        published_sum = _hashed_checksum(con, "pub", name, "pub_hashes")
        work_sums[name] = _hashed_checksum(con, "work", name, "work_hashes")
        columns, rows, _ = work_sums[name]
        if published_sum == work_sums[name]:
            kept.append(name)
        elif published_sum[0] == columns and sum(changes := _row_changes(con, tag)) <= PATCH_AT_MOST * max(
                rows, published_sum[1]):
            patched.append(name)
            to_write += changes[1]
        else:
            copied.append(name)
            to_write += rows
        con.execute("DROP TABLE pub_hashes")
        con.execute("DROP TABLE work_hashes")
    total = sum(s[1] for s in work_sums.values()) or 1
    if to_write / total > FRESH_FILE_ABOVE:
        con.execute("DETACH pub")
        tmp.unlink()
        return None
    for name in sorted(old - set(names)) + [n for n in copied if n in old]:
        con.execute(f'DROP TABLE pub.{PUBLISHED_SCHEMA}."{name}"')
    con.execute("CHECKPOINT pub")  # freed blocks are reused by the tables written next
    return _Plan(copied, patched, kept), work_sums


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
        started = _start_from_published(con, published, tmp, names)
        if started is None:
            con.execute(f"ATTACH {lit(str(tmp))} AS pub")
            con.execute(f"CREATE SCHEMA pub.{PUBLISHED_SCHEMA}")
            plan, work_sums = _Plan(copied=names, patched=[], kept=[]), {}
        else:
            plan, work_sums = started
        copied, patched, kept = list(plan.copied), [], plan.kept
        for name in plan.patched:
            if _patch(con, name, names.index(name), work_sums[name]):
                patched.append(name)
            else:  # not expected: a hash collision; the table is written whole instead
                con.execute(f'DROP TABLE pub.{PUBLISHED_SCHEMA}."{name}"')
                copied.append(name)
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
    return PublishResult(path=published, tables=tables, published_at=published_at, copied=copied, kept=kept,
                         patched=patched)


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
