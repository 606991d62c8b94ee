"""The closing summary of a pipeline run: what was read, loaded, quarantined, checked and published."""

from __future__ import annotations

from contextlib import closing

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
    from dagster_project.publish import open_published

    with closing(open_published(settings.warehouse)) as con:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse' "
            "and table_schema = 'marts' order by table_name").fetchall()]
        return {n: con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in names}


def print_summary(result, settings: Settings, elapsed_seconds: float) -> None:
    print("\nSummary")
    print(f"  {'source':<11}{'files':>6}{'rejected':>10}{'read':>12}{'loaded':>12}{'quarantined':>13}")
    for source, c in source_counts(settings.work_db, result.run_id).items():
        print(f"  {source:<11}{c['files']:>6}{c['rejected']:>10}{c['read']:>12,}{c['loaded']:>12,}{c['quarantined']:>13,}")
    issues = run_landing_issues(settings.work_db, result.run_id)
    if issues:
        print(f"  landing entries not read: {len(issues)} (each alone; see dq_landing_issues)")
        for path, issue in issues:
            print(f"    {path}: {issue}")
    for source, day, check, blocked, failures, override_id in run_delivery_blocks(settings.work_db, result.run_id):
        state = "BLOCKED (release: rightswatch override)" if blocked else f"released by override {override_id}"
        print(f"  delivery {source} {day} {check}: {state}: {failures}")
    evaluations = result.get_asset_check_evaluations()
    passed = [e for e in evaluations if e.passed]
    failed = [e for e in evaluations if not e.passed and e.severity.value == "ERROR"]
    warned = [e for e in evaluations if not e.passed and e.severity.value != "ERROR"]
    print(f"  checks: {len(passed)} passed, {len(failed)} failed, {len(warned)} warnings")
    for label, group in (("FAILED", failed), ("warning", warned)):
        for e in group:
            print(f"    {label}: {e.asset_key.to_user_string()} {e.check_name}")
    published = [
        m for m in result.get_asset_materialization_events()
        if m.asset_key is not None and m.asset_key.path == ["published", "warehouse"]
    ]
    if published:
        tables = published_tables(settings)
        print(f"  published: {len(tables)} tables in {settings.warehouse} (schema marts)")
        print("    " + ", ".join(f"{name} {rows:,}" for name, rows in tables.items()))
    else:
        print(f"  published: nothing (the last good warehouse {settings.warehouse} is unchanged)")
    print(f"  run id {result.run_id}, {elapsed_seconds:.1f}s")
