"""Throughput check: ``python -m dagster_project.ingest.bench --rows 1000000 --format csv``.

Writes a synthetic orders delivery (clean rows plus a sprinkle of bad ones) into a temporary
landing folder, ingests it into a fresh work DuckDB and prints rows/s. Not used by the pipeline;
kept so the scale claim in the docs can be re-measured on any machine.

``--read FILE`` times the reader alone on any delivered file (CSV, JSONL, Parquet, gzip'd or not):
every batch the loader would get, without rules or DuckDB; how docs/performance.md measures JSONL.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dagster_project.ingest import ingest_source
from dagster_project.ingest.readers import open_reader
from dagster_project.warehouse.work_db import connect_work_db


def synthetic_orders(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    base = np.datetime64("2026-10-01T00:00:00") + rng.integers(0, 86400 * 30, n).astype("timedelta64[s]")
    ordered = np.datetime_as_string(base, unit="s")
    paid = np.datetime_as_string(base + rng.integers(0, 3600, n).astype("timedelta64[s]"), unit="s")
    consumer = rng.integers(0, 200_000, n)  # consumers recur across order lines, as in real data
    quantity = rng.integers(1, 5, n).astype(str).astype(object)
    bad = idx % 997 == 0
    quantity[bad] = "x"  # ~0.1% type_invalid
    return pa.table(
        {
            "order_id": pa.array(np.char.add("O", (idx // 3).astype(str))),
            "line_no": pa.array((idx % 3 + 1).astype(str)),
            "merchant_id": pa.array(np.char.add("M", rng.integers(0, 5000, n).astype(str))),
            "consumer_id": pa.array(np.char.add("C", consumer.astype(str))),
            "consumer_phone": pa.array(np.char.add("1380", (consumer + 10_000_000).astype(str))),
            "sku_id": pa.array(np.char.add("S", rng.integers(0, 50_000, n).astype(str))),
            "quantity": pa.array(quantity.astype(str)),
            "unit_price": pa.array(np.round(rng.uniform(1, 999, n), 2).astype(str)),
            "list_price": pa.array(np.round(rng.uniform(1, 1999, n), 2).astype(str)),
            "currency": pa.array(np.full(n, "CNY")),
            "ordered_at": pa.array(ordered),
            "paid_at": pa.array(paid),
            "promised_ship_by": pa.array(np.full(n, "")),
            "shipped_at": pa.array(np.full(n, "")),
            "delivered_at": pa.array(np.full(n, "")),
            "nrr_exempt": pa.array(np.where(idx % 10 == 0, "true", "false")),
            "order_status": pa.array(np.full(n, "paid")),
            "channel": pa.array(np.array(["app", "web", "mini_program", "live_stream"])[idx % 4]),
            "ship_to_region": pa.array(np.full(n, "浙江省")),
            "updated_at": pa.array(paid),
        }
    )


def read_only(path: Path) -> str:
    """Read every batch of ``path`` as the loader would; a line with rows, wall and CPU seconds."""
    started, cpu_started = time.perf_counter(), time.process_time()
    reader = open_reader(path, redact=lambda text: hashlib.sha256(text.encode()).hexdigest())
    rows = sum(batch.num_rows for batch in reader.batches())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return (f"{path.name}: {rows:,} records read in {elapsed:.2f} s wall, {cpu:.2f} s CPU = "
            f"{rows / max(cpu, 1e-9):,.0f} records per CPU-second ({path.stat().st_size / 1e6:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--read", type=Path, default=None, help="only time reading this delivered file")
    args = parser.parse_args()
    if args.read:
        print(read_only(args.read))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="rw-bench-"))
    folder = work / "landing" / "orders" / "2026-10-25"
    folder.mkdir(parents=True, exist_ok=True)
    table = synthetic_orders(args.rows)
    path = folder / f"orders_0001.{args.format}"
    if args.format == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    con = connect_work_db(work / "bench.work.duckdb")
    started, cpu_started = time.perf_counter(), time.process_time()
    result = ingest_source(con, "orders", work / "landing", b"bench-key-0123456789abcdef", "bench", print)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{result.rows_read:,} rows in {elapsed:.1f} s wall, {cpu:.1f} s CPU (all threads) = "
          f"{result.rows_read / elapsed:,.0f} rows/s wall, {result.rows_read / cpu:,.0f} rows per CPU-second "
          f"({path.stat().st_size / 1e6:.0f} MB {args.format}); work dir {work}")


if __name__ == "__main__":
    main()
