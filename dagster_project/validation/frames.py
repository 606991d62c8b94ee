"""Read the rows loaded for one delivery from the work DuckDB into the pandas frame a suite runs on.

Only the columns the suite references are read, with the delivery date as a bound parameter.
String columns are handed to GX as pandas' nullable ``string`` dtype (Arrow-backed, NA for NULL):
GX can name that dtype in its type expectation ("StringDtype"), whereas pandas 3's default ``str``
dtype matches no name GX knows; and Arrow strings keep GX's set, regex and null checks vectorised
(Python-object strings made a 500k-row delivery three times slower).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pandas as pd

from dagster_project.contract import load_contract
from dagster_project.warehouse.sql_quote import q

_COLUMN_ARGS = ("column", "column_A", "column_B")
STRING_DTYPE = pd.StringDtype()


def as_date(value: dt.date | str) -> dt.date:
    """Accept a date, a datetime or ``YYYY-MM-DD`` (partition keys arrive as strings)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def referenced_columns(source: str, expectations: list[dict]) -> list[str]:
    """Stored columns the expectations use (kwargs and row conditions), in raw-table order."""
    used: set[str] = set()
    for exp in expectations:
        kwargs = exp["kwargs"]
        used.update(kwargs[a] for a in _COLUMN_ARGS if a in kwargs)
        used.update(kwargs.get("column_list") or ())
        condition = kwargs.get("row_condition")
        if isinstance(condition, dict) and "column" in condition:
            used.add(condition["column"]["name"])
    order = [c.stored_name for c in load_contract()[source].columns]
    unknown = used - set(order)
    if unknown:
        raise ValueError(f"suite {source} references columns not in raw.{source}: {sorted(unknown)}")
    return [c for c in order if c in used]


def _select(source: str, columns: str) -> str:
    return f"SELECT {columns} FROM {load_contract()[source].raw_table} WHERE _delivery_date = ?"


def _select_columns(source: str, columns: list[str]) -> str:
    return _select(source, ", ".join(map(q, columns)))


def delivery_rows(con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date) -> int:
    """How many rows of ``raw.<source>`` were loaded for the delivery."""
    return con.execute(_select(source, "count(*)"), [delivery_date]).fetchone()[0]


def delivery_frame(
    con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date, columns: list[str]
) -> pd.DataFrame:
    """Rows of ``raw.<source>`` loaded for the delivery, string columns as the ``string`` dtype."""
    return _typed(con.execute(_select_columns(source, columns), [delivery_date]).df())


def delivery_slices(
    con: duckdb.DuckDBPyConnection, source: str, delivery_date: dt.date, columns: list[str], rows: int
) -> Iterator[pd.DataFrame]:
    """The same rows in the same order as ``delivery_frame``, in frames of about ``rows`` rows streamed
    from one query. ``con`` must run nothing else until the slices are used up."""
    vectors = max(1, rows // duckdb.__standard_vector_size__)
    result = con.execute(_select_columns(source, columns), [delivery_date])
    while True:
        df = result.fetch_df_chunk(vectors)
        if df.empty:
            return
        yield _typed(df)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for name in df.columns:
        column = df[name]
        # DuckDB gives VARCHAR as ``str``, or as ``object`` when every value is NULL. Any other object
        # column (BLOB, LIST, ...) is left alone so its type expectation fails instead of being stringified.
        is_varchar = pd.api.types.is_string_dtype(column.dtype) and column.dtype != object
        all_null = column.dtype == object and column.isna().all()
        if is_varchar or all_null:
            df[name] = column.astype(STRING_DTYPE)
    return df
