"""`make bench`: what the pipeline costs at scale, printed as figures (issue 9).

Per size (order lines; 100 k and 1 M by default, 10 M with ``--ten-million``) it prints:

- generation time;
- a full build from outside (the real CLI in its own process): end to end, ingestion rows/s per
  source and file format, Great Expectations, dbt and publication seconds, peak RSS and CPU-seconds;
- the floor: the same landing files read once by DuckDB alone (``read_csv`` / ``read_json`` /
  ``read_parquet`` into a table), measured in the same run, and end to end ÷ floor;
- landing and published file sizes;
- dashboard query times, p50/p95 per page (overview, merchants, complaints, data quality), of the
  queries each page sends through ``dashboards.queries`` against the published file of this size,
  the shared cache emptied before each of ``--dashboard-repeat`` runs (``bench_dashboards``);
- one more delivery day: a second warehouse built without the last delivery day, then the day added;
- a run with nothing new on top of that.

What the browser adds to a page (real browsers, several users) is measured by ``make loadtest``
(scripts/loadtest.py).

Every build runs as a child process; its peak RSS and CPU time come from ``os.wait4`` (children of
the child, such as dbt, included). Speed goals are checked here, never by timed unit tests. The
machine is reported with the figures: they only mean something next to it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.cli.bench_dashboards import PAGES, percentile
from dagster_project.contract import SOURCES
from dagster_project.ingest import ARROW_ALLOCATOR  # the allocator the pipeline's runs choose
from dagster_project.settings import PROJECT_ROOT  # where ``dashboards`` is imported from

DEFAULT_SIZES = (100_000, 1_000_000)
TEN_MILLION = 10_000_000

_FILE_LINE = re.compile(r"^\s+(?P<source>\w+) \d{4}-\d{2}-\d{2} (?P<file>\S+): (?P<read>[\d,]+) read, .* "
                        r"in (?P<s>[\d.]+) s \(")
_GX_LINE = re.compile(r"^\s+(?P<source>\w+): Great Expectations .* in (?P<s>[\d.]+) s$")
_DBT_LINE = re.compile(r"^\s+dbt build: \d+ models in (?P<s>[\d.]+) s$")
_PUBLISH_LINE = re.compile(r"^\s+published \d+ tables .* in (?P<s>[\d.]+) s$")


@dataclass
class Phase:
    name: str
    wall_s: float
    cpu_s: float
    peak_mib: float
    stdout: str = ""


@dataclass
class RunFigures:
    """What one `rightswatch run` printed, summed per step."""

    ingest: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))
    gx: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds per source
    dbt_s: float | None = None
    publish_s: float | None = None

    @property
    def gx_s(self) -> float:
        return sum(self.gx.values())


def file_format(name: str) -> str:
    """csv, csv.gz, jsonl, jsonl.gz, parquet: the extension the loader dispatches on."""
    for fmt in ("csv.gz", "jsonl.gz", "csv", "jsonl", "parquet"):
        if name.endswith("." + fmt):
            return fmt
    return name.rsplit(".", 1)[-1]


def parse_run(stdout: str) -> RunFigures:
    figures = RunFigures()
    for line in stdout.splitlines():
        if m := _FILE_LINE.match(line):
            cell = figures.ingest[(m["source"], file_format(m["file"]))]
            cell[0] += int(m["read"].replace(",", ""))
            cell[1] += float(m["s"])
        elif m := _GX_LINE.match(line):
            figures.gx[m["source"]] += float(m["s"])
        elif m := _DBT_LINE.match(line):
            figures.dbt_s = float(m["s"])
        elif m := _PUBLISH_LINE.match(line):
            figures.publish_s = float(m["s"])
    return figures


def run_phase(name: str, args: list[str], env: dict[str, str], log: Path) -> Phase:
    """Run the real CLI as a child; wall time, CPU-seconds and peak RSS of it and its children."""
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dagster_project.cli", *args], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    stdout = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        sys.stderr.write(stdout[-4000:])
        raise SystemExit(f"bench: {name} failed (exit {proc.returncode}); log {log}")
    return Phase(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout)


def landing_files(landing: Path) -> list[Path]:
    return sorted(p for s in SOURCES for p in (landing / s).rglob("*") if p.is_file())


def _floor_read(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    fmt = file_format(path.name)
    target = f"'{path}'"
    if fmt.startswith("csv"):
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM read_csv({target}, all_varchar = true, "
                        "ignore_errors = true, strict_mode = false)")
        except duckdb.Error:  # not UTF-8 (GB18030): DuckDB needs it transcoded; that time counts too
            data = path.read_bytes()
            data = gzip.decompress(data) if fmt.endswith(".gz") else data
            handle, name = tempfile.mkstemp(suffix=".csv")
            os.close(handle)
            tmp = Path(name)
            try:
                tmp.write_text(data.decode("gb18030", errors="replace"), encoding="utf-8")
                con.execute(f"CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM read_csv('{tmp}', all_varchar = true, "
                            "ignore_errors = true, strict_mode = false)")
            finally:
                tmp.unlink(missing_ok=True)
    elif fmt.startswith("jsonl"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM read_json({target}, format = 'newline_delimited', "
                    "ignore_errors = true)")
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM read_parquet({target})")


def floor_seconds(landing: Path) -> tuple[float, float]:
    """The same files read once by DuckDB alone, materialised in memory (no rules, no history):
    (wall seconds, CPU-seconds, DuckDB's threads included).

    Read in a child process (``bench --floor LANDING``), not here: DuckDB keeps the memory it used, and
    every later phase is a fork of this process whose peak RSS, as ``os.wait4`` reports it, starts at
    this process's own. With the floor read here, a 10 M nothing-new run showed 2,899 MiB where
    ``/usr/bin/time`` measured 395 MiB."""
    done = subprocess.run([sys.executable, "-m", "dagster_project.cli.bench", "--floor", str(landing)],
                          capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["wall_s"], figures["cpu_s"]


def _floor_here(landing: Path) -> tuple[float, float]:
    """:func:`floor_seconds` in this process (the child's side)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    started, cpu_started = time.monotonic(), time.process_time()
    for path in landing_files(landing):
        _floor_read(con, path)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    con.close()
    return elapsed, cpu


def _size_mb(paths) -> float:
    return sum(p.stat().st_size for p in paths if p.exists()) / 1e6


def _env(root: Path, name: str, landing: Path) -> dict[str, str]:
    home = root / name / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "RW_LANDING": str(landing), "RW_WAREHOUSE": str(root / name / "warehouse" / "rightswatch.duckdb"),
            "RW_USERS_FILE": str(root / name / "users.json"), "DAGSTER_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def _last_day_split(landing: Path, without: Path) -> None:
    """``without``: a landing holding every delivery except the last day (files are hard-linked)."""
    last = max(d.name for s in SOURCES for d in (landing / s).iterdir() if d.is_dir())
    for source in SOURCES:
        for day in (landing / source).iterdir():
            if day.is_dir() and day.name != last:
                shutil.copytree(day, without / source / day.name, copy_function=os.link)


def _add_last_day(landing: Path, without: Path) -> str:
    last = max(d.name for s in SOURCES for d in (landing / s).iterdir() if d.is_dir())
    for source in SOURCES:
        if (landing / source / last).is_dir():
            shutil.copytree(landing / source / last, without / source / last, copy_function=os.link)
    return last


def _print_phase(phase: Phase) -> None:
    print(f"  {phase.name:<34}{phase.wall_s:>9.1f} s wall{phase.cpu_s:>9.1f} CPU-s{phase.peak_mib:>9.0f} MiB peak RSS",
          flush=True)


def _print_run(figures: RunFigures, phase: Phase) -> None:
    for (source, fmt), (rows, seconds) in sorted(figures.ingest.items()):
        rate = f"{rows / seconds:>12,.0f} rows/s" if seconds else f"{'-':>12} rows/s"
        print(f"      ingest {source:<17}{fmt:<9}{rows:>12,} rows{seconds:>8.1f} s{rate}")
    if figures.gx:
        print("      Great Expectations per source (a worker thread beside ingestion: these seconds overlap it): "
              + ", ".join(f"{source} {s:.1f} s" for source, s in sorted(figures.gx.items())))
    steps = [("Great Expectations", figures.gx_s), ("dbt build", figures.dbt_s), ("publish", figures.publish_s)]
    print("      " + ", ".join(f"{n} {s:.1f} s" if s is not None else f"{n} skipped" for n, s in steps))
    rows = sum(cell[0] for cell in figures.ingest.values())
    print(f"      end to end {rows / phase.wall_s:,.0f} rows/s ({rows:,} rows read by this run)")


def dashboard_times(env: dict[str, str], repeat: int, log: Path) -> dict[str, dict[str, list[float]]]:
    """``{"pages": {page: wall seconds per run}, "cpu": {page: CPU-seconds per run}}`` of each page's
    queries against ``env``'s published warehouse (a child process, as a served dashboard reads the
    file: see ``bench_dashboards``)."""
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.run([sys.executable, "-m", "dagster_project.cli.bench_dashboards", "--repeat", str(repeat)],
                              env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
    if proc.returncode != 0:
        sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
        raise SystemExit(f"bench: dashboard queries failed (exit {proc.returncode}); log {log}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _print_dashboards(figures: dict[str, dict[str, list[float]]]) -> None:
    times, cpu = figures["pages"], figures["cpu"]
    runs = min((len(v) for v in times.values()), default=0)
    print(f"  dashboard queries, {runs} runs per page, cache emptied before each (seconds):")
    for page in PAGES:
        secs = times[page]
        print(f"      {page:<14} p50 {percentile(secs, 50):.3f}  p95 {percentile(secs, 95):.3f}  max {max(secs):.3f}"
              f"  (CPU-s p50 {percentile(cpu[page], 50):.3f}  p95 {percentile(cpu[page], 95):.3f})")


def bench_size(orders: int, root: Path, seed: int, dashboard_repeat: int = 20) -> None:
    print(f"\n== {orders:,} order lines (seed {seed}) in {root}", flush=True)
    landing = root / "landing"
    generated = run_phase("generate", ["generate", "--out", str(landing), "--orders", str(orders), "--seed", str(seed)],
                          _env(root, "gen", landing), root / "generate.log")
    _print_phase(generated)
    files = landing_files(landing)
    floor, floor_cpu = floor_seconds(landing)

    env = _env(root, "full", landing)
    full = run_phase("full build", ["run"], env, root / "full.log")
    _print_phase(full)
    work = Path(env["RW_WAREHOUSE"]).with_name("rightswatch.work.duckdb")
    with duckdb.connect(str(work), read_only=True) as con:
        rows = int(con.execute("select coalesce(sum(rows_read), 0) from meta.file_registry").fetchone()[0])
    _print_run(parse_run(full.stdout), full)
    print(f"  floor: DuckDB alone reads the {len(files)} files once in {floor:.1f} s wall, {floor_cpu:.1f} CPU-s; "
          f"end to end / floor = {full.wall_s / floor:.1f} (wall), {full.cpu_s / max(floor_cpu, 0.01):.1f} (CPU)")
    print(f"  sizes: landing {_size_mb(files):,.0f} MB, published {_size_mb([Path(env['RW_WAREHOUSE'])]):,.0f} MB, "
          f"work {_size_mb([work]):,.0f} MB; {rows:,} rows read")
    _print_dashboards(dashboard_times(env, dashboard_repeat, root / "dashboards.log"))

    without = root / "landing_without_last_day"
    _last_day_split(landing, without)
    env = _env(root, "daily", without)
    history = run_phase("build without the last day", ["run"], env, root / "history.log")
    _print_phase(history)
    last = _add_last_day(landing, without)
    new_day = run_phase(f"one more day ({last})", ["run"], env, root / "new_day.log")
    _print_phase(new_day)
    _print_run(parse_run(new_day.stdout), new_day)
    print(f"      new day / full build = {new_day.wall_s / full.wall_s:.0%}")
    nothing = run_phase("nothing new", ["run"], env, root / "nothing_new.log")
    _print_phase(nothing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated order-line counts (default: 100000,1000000)")
    parser.add_argument("--ten-million", action="store_true", help="also 10,000,000 order lines (minutes, ~4 GB disk)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dir", type=Path, default=None, help="where to work (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark directory")
    parser.add_argument("--dashboard-repeat", type=int, default=20,
                        help="runs of each dashboard page's queries per size (default 20)")
    parser.add_argument("--floor", type=Path, default=None, help=argparse.SUPPRESS)  # floor_seconds' child
    args = parser.parse_args(argv)
    if args.floor is not None:
        wall_s, cpu_s = _floor_here(args.floor)
        print(json.dumps({"wall_s": wall_s, "cpu_s": cpu_s}))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] + ([TEN_MILLION] if args.ten_million else [])
    base = Path(args.dir or tempfile.mkdtemp(prefix="rightswatch-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"RightsWatch benchmark on {platform.node()}: {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, "
          f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
          f"Arrow allocator {ARROW_ALLOCATOR}")
    try:
        for orders in sizes:
            root = base / f"{orders}"
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            bench_size(orders, root, args.seed, args.dashboard_repeat)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
