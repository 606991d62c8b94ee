"""`make bench`: generation, ingestion and the whole build at scale, with figures printed.

Speed and memory goals are checked here, not by timed unit tests. Each phase runs as its own
process (the real CLI), and its wall time and peak memory (max RSS of the child) are reported.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run_phase(name: str, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dagster_project.cli", *args], env=env,
                          capture_output=True, text=True)
    elapsed = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench: {name} failed (exit {proc.returncode})")
    note = "" if peak_mib > before / 1024 else " (peak not above an earlier phase)"
    print(f"{name:<28}{elapsed:>10.1f} s{peak_mib:>12.0f} MiB{note}", flush=True)
    return elapsed, peak_mib


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=int(os.environ.get("RW_BENCH_ORDERS", 1_000_000)))
    parser.add_argument("--keep", action="store_true", help="keep the benchmark directory")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="rightswatch-bench-"))
    env = {**os.environ, "RW_LANDING": str(root / "landing"),
           "RW_WAREHOUSE": str(root / "warehouse" / "rightswatch.duckdb"),
           "DAGSTER_HOME": str(root / "dagster_home")}
    (root / "dagster_home").mkdir(parents=True)
    print(f"RightsWatch benchmark: {args.orders:,} order lines in {root}")
    print(f"{'phase':<28}{'wall':>12}{'peak RSS':>16}")
    gen_s, _ = _run_phase("generate", ["generate", "--out", env["RW_LANDING"], "--orders", str(args.orders)], env)
    run_s, _ = _run_phase("run (ingest+GX+dbt+publish)", ["run"], env)
    rerun_s, _ = _run_phase("run again (nothing new)", ["run"], env)
    import duckdb

    con = duckdb.connect(str(root / "warehouse" / "rightswatch.work.duckdb"), read_only=True)
    rows = con.execute("select coalesce(sum(rows_read), 0) from meta.file_registry").fetchone()[0]
    con.close()
    print(f"rows read: {rows:,}; end-to-end throughput {rows / run_s:,.0f} rows/s; "
          f"generation {args.orders / gen_s:,.0f} order lines/s; re-run {rerun_s:.1f} s")
    if not args.keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
