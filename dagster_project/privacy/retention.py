"""Retention (E-Commerce Law Art. 31; landing contract 1.1 "Personal data"): a record whose last update
is older than the retention period (default 3 years, ``RW_RETENTION_YEARS``) loses its link to the
person the way an erasure does: its pseudonyms become the erasure marker in every version (raw
history) and in the facts of both DuckDB files, which are rewritten so nothing is left in free
blocks. The record itself stays, so counts and KPIs do not move. The person is not put on the erasure
list: their newer records keep their link.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import closing
from pathlib import Path

import duckdb

from dagster_project.ingest.erasure_list import ERASED_MARKER
from dagster_project.privacy.erasure import ErasureResult, rewrite_duckdb_file, utcnow_text
from dagster_project.state.db import connect_state

DEFAULT_YEARS = 3.0
ENV = "RW_RETENTION_YEARS"

# source -> (record key, pseudonym columns, fact table): raw tables hold every version, facts the latest.
PERSON_LINKS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "orders": (("order_id", "line_no"), ("consumer_key", "consumer_phone_key"), "fct_order_lines"),
    "complaints": (("complaint_id",), ("consumer_key",), "fct_complaints"),
    "privacy_requests": (("request_id",), ("consumer_key",), "fct_privacy_requests"),
}


def retention_years() -> float:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return DEFAULT_YEARS
    years = float(value)
    if years <= 0:
        raise ValueError(f"{ENV} must be a positive number of years, not {value!r}")
    return years


def retention_limit(years: float, now: dt.datetime | None = None) -> dt.datetime:
    """Naive UTC instant before which a record's last update is past retention."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now - dt.timedelta(days=365.25 * years)


def _columns(con, schema: str, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?", [schema, table]).fetchall()}


def expired_records(con: duckdb.DuckDBPyConnection, limit: dt.datetime) -> dict[str, list[tuple]]:
    """Per source, the keys of records still linked to a person whose latest updated_at < limit."""
    out: dict[str, list[tuple]] = {}
    for source, (keys, links, _) in PERSON_LINKS.items():
        if not _columns(con, "raw", source):
            continue
        live = " OR ".join(f"coalesce({c}, '{ERASED_MARKER}') <> '{ERASED_MARKER}'" for c in links)
        out[source] = con.execute(
            f"SELECT {', '.join(keys)} FROM raw.{source} GROUP BY ALL HAVING max(updated_at) < ? AND bool_or({live})",
            [limit]).fetchall()
    return out


def unlink_records(con: duckdb.DuckDBPyConnection, expired: dict[str, list[tuple]]) -> int:
    """Replace the pseudonyms of the given records by the marker in raw history and facts (those of
    the tables this file has); returns the values changed."""
    changed = 0
    for source, rows in expired.items():
        if not rows:
            continue
        keys, links, fact = PERSON_LINKS[source]
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rw_expired ({', '.join(f'{k} VARCHAR' for k in keys)})")
        con.executemany("INSERT INTO _rw_expired VALUES (" + ", ".join("?" for _ in keys) + ")",
                        [[str(v) for v in row] for row in rows])
        for schema, table in (("raw", source), ("marts", fact)):
            present = _columns(con, schema, table)
            cols = [c for c in links if c in present]
            if not cols:
                continue
            match = " AND ".join(f"cast(x.{k} AS VARCHAR) = e.{k}" for k in keys)
            sets = ", ".join(f"{c} = CASE WHEN {c} IS NULL THEN NULL ELSE '{ERASED_MARKER}' END" for c in cols)
            changed += con.execute(
                f"UPDATE {schema}.{table} AS x SET {sets} FROM _rw_expired AS e WHERE {match}").fetchone()[0]
        con.execute("DROP TABLE _rw_expired")
    return changed


def apply_retention(settings, years: float, now: dt.datetime | None = None) -> ErasureResult:
    """Retention over both files (CLI and the Dagster schedule); the log keeps when and how many."""
    work, published = Path(settings.work_db), Path(settings.warehouse)
    if not work.exists():
        return ErasureResult(0, 0)
    with closing(duckdb.connect(str(work), read_only=True)) as con:
        expired = expired_records(con, retention_limit(years, now))
    records = sum(len(v) for v in expired.values())
    changed = 0
    if records:
        changed += rewrite_duckdb_file(work, lambda con: unlink_records(con, expired)) or 0
        if published.exists():
            changed += rewrite_duckdb_file(published, lambda con: unlink_records(con, expired)) or 0
    with closing(connect_state(settings.state_db)) as state:
        state.execute(
            "INSERT INTO erasure_log (at_utc, reason, request_id, links_erased, values_changed) VALUES (?, ?, NULL, ?, ?)",
            [utcnow_text(), "retention", records, changed])
    return ErasureResult(links_erased=records, values_changed=changed)
