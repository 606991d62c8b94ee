"""Benchmark of the hidden-personal-data search (prints figures; run by hand or from `make bench`)."""

from __future__ import annotations

import pyarrow as pa

from dagster_project.ingest.hidden_pii import redact_array


def benchmark(rows: int = 1_000_000) -> None:
    """``python -m dagster_project.privacy.bench``: cost of the search over one free-text column."""
    import time

    from dagster_project.ingest.pseudonymise import Pseudonymiser

    hasher = Pseudonymiser(b"benchmark-key-of-32-bytes-long!!")
    clean = [f"商品与描述不符，订单 O-{i} 未发货，客服一直说\"在路上\"。" for i in range(rows)]
    for share in (0.0, 0.01, 0.10):
        step = int(1 / share) if share else 0
        values = pa.array([f"请打 139 8765 {i % 10000:04d} 或写信 u{i}@example.com" if step and i % step == 0 else text
                           for i, text in enumerate(clean)])
        started = time.perf_counter()
        redact_array(values, hasher)
        seconds = time.perf_counter() - started
        print(f"hidden_pii: {rows:,} cells, {share:.0%} with personal data: {seconds:.2f} s "
              f"({rows / seconds / 1e6:.2f} M cells/s)")


if __name__ == "__main__":
    benchmark()
