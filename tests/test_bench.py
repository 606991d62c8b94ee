"""`make bench` reads its per-step figures from the lines `rightswatch run` prints; if a line's
wording drifts the figures would silently vanish, so the parser is checked against the real lines."""

from __future__ import annotations

import datetime as dt

from dagster_project.cli.bench import file_format, parse_run
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
        "  published 16 tables to /x/w.duckdb (3 written, 13 unchanged and kept) in 4.1 s",
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
