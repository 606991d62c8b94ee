"""The closing summary of a pipeline run: what was read, loaded, quarantined, checked and published.

A failed or warning check is told in plain words (which table and column, how many rows, what rule)
from the dbt test's own metadata, instead of dbt's log lines or a generated test name; the command
diverts dbt's own output to dbt's log file (assets/dbt.py). Colour only when stdout is a terminal
(and NO_COLOR is unset), so a log file or a CI transcript stays plain text.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import closing
from functools import cache
from typing import Any, TextIO

import duckdb

from dagster_project.contract import SOURCES
from dagster_project.settings import Settings


def source_counts(work_db, run_id: str) -> dict[str, dict[str, int]]:
    """Per source, the files and rows this run processed (from the file registry)."""
    counts = {s: {"files": 0, "rejected": 0, "read": 0, "loaded": 0, "quarantined": 0} for s in SOURCES}
    if not work_db.exists():
        return counts
    with closing(duckdb.connect(str(work_db), read_only=True)) as con:
        rows = con.execute(
            """
            select source, count(*), count(*) filter (where status = 'rejected'),
                   coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
            from meta.file_registry where run_id = ? group by source
            """,
            [run_id],
        ).fetchall()
    for source, files, rejected, read, loaded, quarantined in rows:
        counts[source] = {"files": files, "rejected": rejected, "read": int(read), "loaded": int(loaded),
                          "quarantined": int(quarantined)}
    return counts


def run_landing_issues(work_db, run_id: str) -> list[tuple[str, str]]:
    """(path, issue) of every landing entry this run saw and did not read."""
    if not work_db.exists():
        return []
    with closing(duckdb.connect(str(work_db), read_only=True)) as con:
        return con.execute(
            "select path, issue from meta.landing_issues where run_id = ? order by path", [run_id]).fetchall()


def run_delivery_blocks(work_db, run_id: str) -> list[tuple]:
    """(source, delivery_date, check_name, blocked, failures) of every failed blocking check this run saw."""
    if not work_db.exists():
        return []
    with closing(duckdb.connect(str(work_db), read_only=True)) as con:
        return con.execute(
            "select source, delivery_date, check_name, blocked, failures, override_id from meta.delivery_blocks "
            "where run_id = ? order by source, delivery_date, check_name", [run_id]).fetchall()


def published_tables(settings: Settings) -> dict[str, int]:
    """Row count of every published table."""
    from dagster_project.warehouse.publish import open_published

    with closing(open_published(settings.warehouse)) as con:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse' "
            "and table_schema = 'marts' order by table_name").fetchall()]
        return {n: con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in names}


_COLOURS = {"FAILED": "\033[31m", "warning": "\033[33m"}
_RESET = "\033[0m"


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


@cache
def _dbt_tests() -> dict[str, dict[str, Any]]:
    """dbt test name -> its node in the manifest (test_metadata, description, attached model)."""
    from dagster_project.orchestration.dbt_project import rightswatch_dbt

    manifest = json.loads(rightswatch_dbt().manifest_path.read_text(encoding="utf-8"))
    return {n["name"]: n for n in manifest["nodes"].values() if n.get("resource_type") == "test"}


def _ref_name(value: Any) -> str:
    """``ref('dim_merchants')`` -> ``dim_merchants``."""
    text = str(value or "")
    return text.split("'")[1] if text.count("'") >= 2 else text


def describe_check(check_name: str, table: str, failed_rows: int | None,
                   tests: dict[str, dict[str, Any]] | None = None) -> str:
    """One check result in plain words: which table/column, how many rows, what rule."""
    node = (tests if tests is not None else _dbt_tests()).get(check_name) or {}
    meta = node.get("test_metadata") or {}
    kwargs = meta.get("kwargs") or {}
    column = kwargs.get("column_name") or node.get("column_name")
    where = f"{table}.{column}" if column else table
    rows = "some rows" if failed_rows is None else f"{failed_rows:,} row{'s' if failed_rows != 1 else ''}"
    one = failed_rows == 1  # "1 row names ...", "3 rows name ..."
    kind = meta.get("name")
    if kind == "relationships":
        text = f"{rows} {'names' if one else 'name'} a {kwargs.get('field', column)} not found in {_ref_name(kwargs.get('to'))}"
    elif kind == "not_null":
        text = f"{rows} {'has' if one else 'have'} no value where one is required"
    elif kind == "unique":
        text = f"{rows} {'repeats' if one else 'repeat'} a value that must be unique"
    elif kind == "accepted_values":
        allowed = ", ".join(str(v) for v in kwargs.get("values") or [])
        text = f"{rows} {'holds' if one else 'hold'} a value outside the allowed ones ({allowed})"
    else:
        rule = (node.get("description") or "").strip().splitlines()
        text = f"{rows} {'breaks' if one else 'break'} the rule {kind or check_name}" + (f": {rule[0]}" if rule else "")
    return f"{where}: {text}"


def print_summary(result, settings: Settings, elapsed_seconds: float, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    colour = use_colour(out)

    def say(line: str = "") -> None:
        print(line, file=out)

    say("\nSummary")
    width = max(len("source"), *(len(name) for name in SOURCES)) + 1  # privacy_requests fits
    say(f"  {'source':<{width}}{'files':>6}{'rejected':>10}{'read':>12}{'loaded':>12}{'quarantined':>13}")
    for source, c in source_counts(settings.work_db, result.run_id).items():
        say(f"  {source:<{width}}{c['files']:>6}{c['rejected']:>10}{c['read']:>12,}{c['loaded']:>12,}{c['quarantined']:>13,}")
    issues = run_landing_issues(settings.work_db, result.run_id)
    if issues:
        say(f"  landing entries not read: {len(issues)} (each alone; see dq_landing_issues)")
        for path, issue in issues:
            say(f"    {path}: {issue}")
    for source, day, check, blocked, failures, override_id in run_delivery_blocks(settings.work_db, result.run_id):
        state = "BLOCKED (release: rightswatch override)" if blocked else f"released by override {override_id}"
        say(f"  delivery {source} {day} {check}: {state}: {failures}")
    evaluations = result.get_asset_check_evaluations()
    passed = [e for e in evaluations if e.passed]
    failed = [e for e in evaluations if not e.passed and e.severity.value == "ERROR"]
    warned = [e for e in evaluations if not e.passed and e.severity.value != "ERROR"]
    say(f"  checks: {len(passed)} passed, {len(failed)} failed, {len(warned)} warnings")
    for label, group in (("FAILED", failed), ("warning", warned)):
        for e in group:
            rows = e.metadata.get("dagster_dbt/failed_row_count")
            words = describe_check(e.check_name, e.asset_key.path[-1], getattr(rows, "value", rows))
            tag = f"{_COLOURS[label]}{label}{_RESET}" if colour else label
            say(f"    {tag}: {words}")
    if warned:
        say("    (warnings load the rows and flag them; the data-quality page lists each one)")
    published = [
        m for m in result.get_asset_materialization_events()
        if m.asset_key is not None and m.asset_key.path == ["published", "warehouse"]
    ]
    if published:
        tables = published_tables(settings)
        say(f"  published: {len(tables)} tables in {settings.warehouse} (schema marts)")
        say("    " + ", ".join(f"{name} {rows:,}" for name, rows in tables.items()))
    else:
        say(f"  published: nothing (the last good warehouse {settings.warehouse} is unchanged)")
    say(f"  run id {result.run_id}, {elapsed_seconds:.1f}s")
