"""Quoting for the few SQL texts that cannot take bound parameters: identifiers built from the contract's
column names, and string literals in ATTACH, COPY, read_parquet and the contract's rule SQL.

A module with no imports, so that the published-file reader (imported by every dashboard
process) and the ingestion rules share it without one loading the other.
"""

from __future__ import annotations


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    """A SQL literal for a str (quotes doubled) or a number."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)
