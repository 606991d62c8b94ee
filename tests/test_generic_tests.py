"""The project's own generic data tests (dbt/tests/generic/) catch what they exist to catch.

rw_unique_combination guards every key of the warehouse (order lines, price checks, evidence ids); it
is written as a plain ``group by … having count(*) > 1`` so it stays cheap on large tables. Here it runs
through real dbt on a throw-away project that uses the project's generic tests unchanged: a table with
one duplicated (order_id, line_no) must fail with exactly that combination, a table whose rows differ
only in the second column must pass.
"""

from __future__ import annotations

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
