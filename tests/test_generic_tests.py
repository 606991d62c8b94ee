"""The project's own generic data tests (dbt/tests/generic/) catch what they exist to catch.

rw_unique_combination guards every key of the warehouse (order lines, price checks, evidence ids); it
is written as a plain ``group by … having count(*) > 1`` so it stays cheap on large tables. Here it runs
through real dbt on a throw-away project that uses the project's generic tests unchanged: a table with
one duplicated (order_id, line_no) must fail with exactly that combination, a table whose rows differ
only in the second column must pass.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))


def _throwaway_project(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(PROJECT_ROOT / "dbt" / "tests" / "generic", project / "tests" / "generic")
    (project / "seeds").mkdir()
    (project / "seeds" / "lines_duplicated.csv").write_text(
        "order_id,line_no,sku_id\nO1,1,A\nO1,2,B\nO2,1,C\nO1,1,D\n", encoding="utf-8")
    (project / "seeds" / "lines_unique.csv").write_text(
        "order_id,line_no,sku_id\nO1,1,A\nO1,2,A\nO2,1,A\n", encoding="utf-8")
    (project / "seeds" / "_seeds.yml").write_text(textwrap.dedent("""\
        version: 2
        seeds:
          - name: lines_duplicated
            data_tests:
              - rw_unique_combination:
                  arguments:
                    columns: [order_id, line_no]
          - name: lines_unique
            data_tests:
              - rw_unique_combination:
                  arguments:
                    columns: [order_id, line_no]
        """), encoding="utf-8")
    (project / "dbt_project.yml").write_text(textwrap.dedent("""\
        name: generic_tests_check
        version: "1.0.0"
        config-version: 2
        profile: generic_tests_check
        seed-paths: ["seeds"]
        test-paths: ["tests"]
        flags:
          send_anonymous_usage_stats: false
        data_tests:
          +store_failures: true
          +schema: failures
        """), encoding="utf-8")
    (project / "profiles.yml").write_text(textwrap.dedent(f"""\
        generic_tests_check:
          target: duckdb
          outputs:
            duckdb:
              type: duckdb
              path: "{root / 'check.duckdb'}"
              threads: 1
        """), encoding="utf-8")
    return project


def test_rw_unique_combination_fails_on_a_duplicate_and_passes_otherwise(tmp_path):
    project = _throwaway_project(tmp_path)
    proc = subprocess.run([DBT, "build", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs")],
                          cwd=project, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, "a duplicated key passed rw_unique_combination\n" + log[-3000:]
    assert "PASS rw_unique_combination_lines_unique" in log, log[-3000:]
    assert "FAIL 1 rw_unique_combination_lines_duplicated" in log, log[-3000:]
    with duckdb.connect(str(tmp_path / "check.duckdb"), read_only=True) as con:
        failures = con.execute(
            "select table_schema, table_name from information_schema.tables where table_name like "
            "'rw_unique_combination_lines_duplicated%'").fetchall()
        assert len(failures) == 1
        schema, table = failures[0]
        rows = con.execute(f'select order_id, line_no, occurrences from "{schema}"."{table}"').fetchall()
    assert rows == [("O1", 1, 2)]


# --- Scoped data tests: an incremental build checks the rows changed since the last successful build ---
#
# The last successful build (meta.dbt_builds, meta.dbt_build_starts, as the Dagster dbt step writes them)
# started at 2026-01-02 00:00. File B was loaded after it, file A before. Each table holds one duplicate
# (or stale key) among changed rows and one among rows the last build already tested: an incremental
# build must report exactly the changed one, a full refresh both.
SINCE = "2026-01-02 00:00:00"
_SCOPED_SEEDS = {
    "file_versions": (
        "delivery_date,file_name,file_line,order_id,line_no,updated_at,loaded_at\n"
        "2026-01-01,a.csv,1,O1,1,2026-01-01 08:00:00,2026-01-01 10:00:00\n"
        "2026-01-01,a.csv,1,O1,1,2026-01-01 08:00:00,2026-01-01 10:00:00\n"  # old duplicate
        "2026-01-01,a.csv,2,O2,1,2026-01-01 08:00:00,2026-01-01 10:00:00\n"
        "2026-01-03,b.csv,1,O3,1,2026-01-03 08:00:00,2026-01-03 10:00:00\n"
        "2026-01-03,b.csv,1,O3,1,2026-01-03 08:00:00,2026-01-03 10:00:00\n"  # new duplicate
        "2026-01-03,b.csv,2,O1,1,2026-01-03 08:00:00,2026-01-03 10:00:00\n"),
    # ranked_now: the line was written by this build (int_orders__latest's ranked_by_build), though
    # none of its versions is new (a superseded file, a merchant that became known)
    "ranked_lines": (
        "order_id,line_no,updated_at,loaded_at,ranked_now\n"
        "O7,1,2026-01-01 08:00:00,2026-01-01 10:00:00,false\n"
        "O7,1,2026-01-01 08:00:00,2026-01-01 10:00:00,false\n"  # old duplicate
        "O8,1,2026-01-01 08:00:00,2026-01-01 10:00:00,true\n"
        "O8,1,2026-01-01 08:00:00,2026-01-01 10:00:00,false\n"  # duplicate of a line this build wrote
        "O9,1,2026-01-01 08:00:00,2026-01-01 10:00:00,false\n"),
    # the published latest versions: O1 shows its old version though a newer one was loaded (changed
    # key, must be caught); O2 shows a version older than its newest old one (already tested, kept)
    "published_lines": (
        "order_id,line_no,updated_at\n"
        "O1,1,2026-01-01 08:00:00\n"
        "O2,1,2025-12-31 08:00:00\n"
        "O3,1,2026-01-03 08:00:00\n"),
}
_SCOPED_YML = """\
version: 2
seeds:
  - name: file_versions
    data_tests:
      - rw_unique_combination:
          name: scoped_file_versions_unique
          arguments:
            columns: [delivery_date, file_name, file_line]
            scope_key: [delivery_date, file_name]
  - name: published_lines
    data_tests:
      - rw_is_latest_version:
          name: scoped_published_lines_latest
          arguments:
            versions: ref('file_versions')
            key: [order_id, line_no]
            scope_key: [order_id, line_no]
models:
  - name: ranked_lines_latest
    data_tests:
      - rw_unique_combination:
          name: scoped_ranked_lines_unique
          arguments:
            columns: [order_id, line_no]
            scope_key: [order_id, line_no]
            marker: ranked_by_build
      - rw_expression_is_true:
          name: scoped_ranked_lines_expression
          arguments:
            expression: "order_id not in ('O7', 'O8')"
            scope_key: [order_id, line_no]
            marker: ranked_by_build
"""


def _scoped_project(root: Path) -> Path:
    project = _throwaway_project(root)
    for name, text in _SCOPED_SEEDS.items():
        (project / "seeds" / f"{name}.csv").write_text(text, encoding="utf-8")
    (project / "seeds" / "_seeds.yml").write_text(_SCOPED_YML, encoding="utf-8")
    (project / "models").mkdir()
    (project / "models" / "ranked_lines_latest.sql").write_text(
        "select order_id, line_no, updated_at, loaded_at,\n"
        "    case when ranked_now then '{{ invocation_id }}' else 'an earlier build' end as ranked_by_build\n"
        "from {{ ref('ranked_lines') }}\n", encoding="utf-8")
    (project / "macros").mkdir()
    shutil.copy(PROJECT_ROOT / "dbt" / "macros" / "testing" / "test_scope.sql", project / "macros")
    shutil.copy(PROJECT_ROOT / "dbt" / "macros" / "cross_engine" / "incremental.sql", project / "macros")
    with (project / "dbt_project.yml").open("a", encoding="utf-8") as yml:
        yml.write("vars:\n  rw_cutoff: null\n")
    with duckdb.connect(str(root / "check.duckdb")) as con:  # what the Dagster dbt step records
        con.execute("create schema meta")
        con.execute("create table meta.dbt_builds (run_id varchar, inputs_digest varchar, full_refresh boolean, "
                    "built_at timestamp)")
        con.execute("create table meta.dbt_build_starts (run_id varchar, started_at timestamp)")
        con.execute("insert into meta.dbt_build_starts values ('r1', '2025-12-30 00:00:00'), "
                    "('r2', cast(? as timestamp)), ('r3', '2026-01-04 00:00:00')", [SINCE])
        # r3 started after r2 but never finished: the last successful build is r2
        con.execute("insert into meta.dbt_builds values ('r1', 'd', true, '2025-12-30 00:10:00'), "
                    "('r2', 'd', false, '2026-01-02 00:10:00')")
    return project


def _build(project: Path, root: Path, *extra: str) -> str:
    proc = subprocess.run([DBT, "build", "--profiles-dir", ".", "--target-path", str(root / "target"),
                           "--log-path", str(root / "logs"), *extra],
                          cwd=project, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0, "every table holds a duplicate or a stale key\n" + proc.stdout[-3000:]
    return proc.stdout + proc.stderr


def _failures(root: Path, test_name: str) -> list[tuple]:
    with duckdb.connect(str(root / "check.duckdb"), read_only=True) as con:
        (schema,), = con.execute("select table_schema from information_schema.tables where table_name = ?",
                                 [test_name]).fetchall()
        return sorted(con.execute(f'select * from "{schema}"."{test_name}"').fetchall(), key=str)


def test_an_incremental_build_checks_the_rows_changed_since_the_last_successful_build(tmp_path):
    project = _scoped_project(tmp_path)
    log = _build(project, tmp_path)
    for test_name in ("scoped_file_versions_unique", "scoped_ranked_lines_unique", "scoped_published_lines_latest"):
        assert f"FAIL 1 {test_name}" in log, log[-3000:]
    # the duplicate in a file loaded since (b.csv), not the one in a file the last build tested (a.csv)
    assert [row[:3] for row in _failures(tmp_path, "scoped_file_versions_unique")] == [
        (datetime.date(2026, 1, 3), "b.csv", 1)]
    # the line this build wrote (marker), though none of its rows was loaded since
    assert [row[:2] for row in _failures(tmp_path, "scoped_ranked_lines_unique")] == [("O8", 1)]
    # the rows of the line this build wrote, not the two O7 rows the last build checked
    assert "FAIL 2 scoped_ranked_lines_expression" in log, log[-3000:]
    assert {row[0] for row in _failures(tmp_path, "scoped_ranked_lines_expression")} == {"O8"}
    # O1 got a version loaded since and still shows the old one
    assert [row[:2] for row in _failures(tmp_path, "scoped_published_lines_latest")] == [("O1", 1)]


def test_a_full_refresh_checks_every_row(tmp_path):
    project = _scoped_project(tmp_path)
    log = _build(project, tmp_path, "--full-refresh")
    assert "FAIL 2 scoped_file_versions_unique" in log, log[-3000:]
    assert "FAIL 2 scoped_ranked_lines_unique" in log, log[-3000:]
    assert "FAIL 2 scoped_published_lines_latest" in log, log[-3000:]
    assert "FAIL 4 scoped_ranked_lines_expression" in log, log[-3000:]
    assert [row[:2] for row in _failures(tmp_path, "scoped_published_lines_latest")] == [("O1", 1), ("O2", 1)]


def test_a_work_file_with_no_recorded_build_checks_every_row(tmp_path):
    project = _scoped_project(tmp_path)
    with duckdb.connect(str(tmp_path / "check.duckdb")) as con:
        con.execute("drop schema meta cascade")
    log = _build(project, tmp_path)
    assert "FAIL 2 scoped_file_versions_unique" in log, log[-3000:]
    assert "FAIL 2 scoped_ranked_lines_unique" in log, log[-3000:]
