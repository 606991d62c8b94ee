"""`make bench` reads its per-step figures from the lines `rightswatch run` prints; if a line's
wording drifts the figures would silently vanish, so the parser is checked against the real lines."""

from __future__ import annotations

import datetime as dt
import re

from dagster_project.cli import bench as bench_module
from dagster_project.cli.bench import (
    PAGES,
    dashboard_times,
    file_format,
    landing_files,
    parse_run,
    percentile,
)
from dagster_project.contract import SOURCES
from dagster_project.ingest.results import FileResult


def _file_line(name: str, rows: int, seconds: float) -> str:
    result = FileResult(source="orders", delivery_date=dt.date(2026, 10, 31), file_name=name, file_sha256="x",
                        status="loaded", rows_read=rows, rows_loaded=rows, rows_quarantined=0, seconds=seconds)
    return "  " + result.progress_line()


def test_figures_are_read_from_the_run_output():
    stdout = "\n".join([
        _file_line("a.csv", 1_000, 2.0),
        _file_line("b.csv", 3_000, 2.0),
        _file_line("c.csv.gz", 500, 1.0),
        _file_line("d.parquet", 1_000_000, 20.0),
        "  orders: Great Expectations on 7 delivery(ies): 322 expectations, 0 failed (error), 0 failed (warning), in 12.5 s",
        "  refunds: Great Expectations on 1 delivery(ies): 10 expectations, 0 failed (error), 0 failed (warning), in 0.5 s",
        "  dbt build: 80 models in 95.2 s",
        "  published 16 tables to /x/w.duckdb (3 written, 2 patched with their changed rows, 11 unchanged and kept)"
        " in 4.1 s",
    ])
    figures = parse_run(stdout)
    assert dict(figures.ingest) == {("orders", "csv"): [4_000, 4.0], ("orders", "csv.gz"): [500, 1.0],
                                    ("orders", "parquet"): [1_000_000, 20.0]}
    assert (figures.gx_s, figures.dbt_s, figures.publish_s) == (13.0, 95.2, 4.1)


def test_nothing_new_has_no_dbt_or_publication_figures():
    figures = parse_run("  nothing new since run abc: no new or changed landing file")
    assert (figures.dbt_s, figures.publish_s, dict(figures.ingest)) == (None, None, {})


def test_formats_are_named_as_the_loader_dispatches_them():
    assert [file_format(n) for n in ("a.csv", "a.csv.gz", "b.jsonl", "b.jsonl.gz", "c.parquet")] == [
        "csv", "csv.gz", "jsonl", "jsonl.gz", "parquet"]


def test_gx_seconds_are_kept_per_source():
    figures = parse_run("\n".join([
        "  orders: Great Expectations on 7 delivery(ies): 322 expectations, 0 failed (error), 0 failed (warning), in 12.5 s",
        "  orders: Great Expectations on 1 delivery(ies): 46 expectations, 0 failed (error), 0 failed (warning), in 1.5 s",
        "  refunds: Great Expectations on 1 delivery(ies): 10 expectations, 0 failed (error), 0 failed (warning), in 0.5 s",
    ]))
    assert dict(figures.gx) == {"orders": 14.0, "refunds": 0.5}


def test_percentile_is_nearest_rank():
    runs = [float(i) for i in range(1, 21)]  # 1 … 20
    assert (percentile(runs, 50), percentile(runs, 95), percentile([0.3], 95)) == (10.0, 19.0, 0.3)


def test_a_real_build_gives_every_figure_the_bench_prints(sample_build, tmp_path, capsys):
    """At the sample's size: the figures of a real `rightswatch run` (ingestion per source and format,
    GX per source, dbt, publication) and the dashboard query times of its published file, p50/p95 for
    each of the four pages, as `make bench` prints them; a missing figure fails here."""
    figures = parse_run(sample_build.run_output)
    delivered = {(p.parent.parent.name, file_format(p.name)) for p in landing_files(sample_build.landing)}
    assert set(figures.ingest) == delivered
    assert all(rows > 0 and seconds > 0 for rows, seconds in figures.ingest.values())
    assert set(figures.gx) == set(SOURCES) and all(s > 0 for s in figures.gx.values())
    assert figures.dbt_s and figures.publish_s

    figures = dashboard_times(sample_build.env, repeat=2, log=tmp_path / "dashboards.log")
    for kind in ("pages", "cpu"):
        assert set(figures[kind]) == set(PAGES) == {"overview", "merchants", "complaints", "data_quality"}
        assert all(len(runs) == 2 and all(s > 0 for s in runs) for runs in figures[kind].values())
    bench_module._print_dashboards(figures)
    printed = capsys.readouterr().out
    for page in PAGES:
        assert re.search(rf"^\s+{page}\s+p50 \d+\.\d{{3}}\s+p95 \d+\.\d{{3}}.*CPU-s p50 \d+\.\d{{3}}",
                         printed, re.M), printed


def test_the_floor_is_read_in_a_child_so_later_phases_report_their_own_memory(sample_build):
    """The floor's DuckDB memory stays in a child: this process (which forks every later phase, whose
    peak RSS then starts at this process's) spends no CPU on it, its child does."""
    import resource
    import time

    own, children = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall_s, cpu_s = bench_module.floor_seconds(sample_build.landing)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert wall_s > 0 and cpu_s > 0
    assert (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime) >= cpu_s
    assert time.process_time() - own < cpu_s
