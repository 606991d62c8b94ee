"""The erasure list: which pseudonyms must never come back, without holding them.

An erased person's pseudonym is replaced by ``ERASED_MARKER`` everywhere (dagster_project.privacy). A
later run or a re-delivered old file would bring the link back, so ingestion checks every pseudonym
it makes against a list. Keeping the pseudonyms themselves in that list would keep exactly what was
erased, so the list holds ``HMAC(erasure_key, pseudonym)`` where the erasure key is derived from the
pseudonymisation key under a separate label: without the key nobody can test a pseudonym against
it, and the list entries match no value stored anywhere else.

The durable list lives in the state store (SQLite, kept across rebuilds); ingestion reads the working
copy in the work database (table ``privacy.erasure_list``), synchronised before every run.
"""

from __future__ import annotations

import hmac

import duckdb

ERASED_MARKER = "ERASED"
_DERIVATION = b"rightswatch/erasure-list/v1"
WORK_TABLE = "privacy.erasure_list"


def erasure_key(key: bytes) -> bytes:
    return hmac.digest(key, _DERIVATION, "sha256")


def erasure_tag(pseudonym: str, key: bytes) -> str:
    """The list entry for ``pseudonym`` (hex HMAC-SHA256 under the derived erasure key)."""
    return hmac.digest(erasure_key(key), pseudonym.encode("utf-8"), "sha256").hex()


def ensure_work_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS privacy")
    con.execute(f"CREATE TABLE IF NOT EXISTS {WORK_TABLE} (tag VARCHAR PRIMARY KEY)")


def add_work_tags(con: duckdb.DuckDBPyConnection, tags: set[str]) -> None:
    ensure_work_table(con)
    if tags:
        con.executemany(f"INSERT OR IGNORE INTO {WORK_TABLE} VALUES (?)", [[t] for t in sorted(tags)])


def erased_tags(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The working copy of the list (empty when no one was ever erased)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'privacy' AND table_name = 'erasure_list'"
    ).fetchone()[0]
    if not exists:
        return frozenset()
    return frozenset(row[0] for row in con.execute(f"SELECT tag FROM {WORK_TABLE}").fetchall())
