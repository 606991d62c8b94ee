"""The frames Great Expectations judges: read from DuckDB as Arrow (dagster_project/validation/frames.py),
with the dtypes the suites' type expectations were written against, whatever the NULLs in a column."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from dagster_project.validation import frames

ROWS = """
    select * from (values
        (1, 'O1', null::varchar, 12.30::decimal(18,2), 7::bigint, true, true,
         DATE '2026-10-25', TIMESTAMP '2026-10-25 08:00:00', 'x'::blob),
        (2, null, null, null, null, null, false,
         null, null, null)
    ) t(_row, order_id, note, amount, points, exempt, paid, day, updated_at, raw)
"""


@pytest.fixture()
def con():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(f"create table raw.orders as select *, DATE '2026-10-25' as _delivery_date from ({ROWS})")
    yield con
    con.close()


def test_each_column_gets_the_dtype_gx_was_written_against(con, monkeypatch):
    monkeypatch.setattr(frames, "_select", lambda source, cols: f"SELECT {cols} FROM raw.orders WHERE _delivery_date = ?")
    columns = ["_row", "order_id", "note", "amount", "points", "exempt", "paid", "day", "updated_at", "raw"]
    df = frames.delivery_frame(con, "orders", dt.date(2026, 10, 25), columns)
    assert list(df.columns) == columns
    dtypes = {name: str(dtype) for name, dtype in df.dtypes.items()}
    assert dtypes == {
        "_row": "int32", "order_id": "string", "note": "string",  # all NULL: still a string column
        "amount": "float64", "points": "Int64", "exempt": "boolean", "paid": "bool",
        "day": "datetime64[us]", "updated_at": "datetime64[us]", "raw": "object",  # BLOB stays object: its type check fails
    }
    assert df["order_id"].tolist() == ["O1", pd.NA] and df["amount"].iloc[0] == 12.30
    assert df["points"].tolist() == [7, pd.NA] and df["exempt"].tolist() == [True, pd.NA]


def test_slices_hold_the_same_rows_in_the_same_order_as_the_whole_frame(con, monkeypatch):
    monkeypatch.setattr(frames, "_select", lambda source, cols: f"SELECT {cols} FROM raw.orders WHERE _delivery_date = ?")
    con.execute("insert into raw.orders select _row + 2 * i, order_id || i, note, amount, points, exempt, paid, day, updated_at, "
                "raw, _delivery_date from raw.orders, range(1, 3000) r(i)")
    columns = ["_row", "order_id", "amount", "exempt"]
    day = dt.date(2026, 10, 25)
    whole = frames.delivery_frame(con, "orders", day, columns)
    slices = list(frames.delivery_slices(con, "orders", day, columns, 2_500))
    assert len(whole) == 6_000 and len(slices) >= 2 and all(len(s) >= 2_500 for s in slices[:-1])
    pd.testing.assert_frame_equal(pd.concat(slices, ignore_index=True), whole)


def test_gx_does_not_fingerprint_the_frames_it_validates():
    """GX 1.24 hashes every pandas batch under 1 GB for a batch marker nobody here reads (1.7-2 s per
    million-row frame); gx_runtime turns that off. If a GX upgrade renames the knob, this fails."""
    from great_expectations.execution_engine import pandas_execution_engine

    from dagster_project.validation import gx_runtime

    assert pandas_execution_engine.HASH_THRESHOLD == 0
    frame = pd.DataFrame({"order_id": pd.array(["O-1", "O-2"], dtype="string")})
    batch = gx_runtime.batch_definition("orders").get_batch(batch_parameters={"dataframe": frame})
    assert "pandas_data_fingerprint" not in batch.batch_markers
    assert "ge_load_time" in batch.batch_markers  # the markers are there, only the fingerprint is not
