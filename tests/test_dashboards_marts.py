"""The dashboards' aggregate marts (dbt/models/marts/dashboards/): their dbt unit tests run here (the
pipeline leaves unit tests to the suite), and on the sample the published grid says what the KPI rows say."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))


def test_breach_grid_unit_test_passes(sample_build, tmp_path):
    shutil.copyfile(sample_build.work_db, tmp_path / "rightswatch.work.duckdb")
    env = {**sample_build.env, "RW_WAREHOUSE": str(tmp_path / "rightswatch.duckdb")}
    proc = subprocess.run([DBT, "test", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs"), "--select",
                           "test_type:unit,path:models/marts/dashboards"],
                          cwd=PROJECT_ROOT / "dbt", env=env, capture_output=True, text=True, timeout=900)
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    assert proc.returncode == 0, text[-4000:]
    assert re.search(r"PASS\s+rpt_dash_kpi_breach_grid::breach_grid_per_scope", text), text[-4000:]


def test_published_grid_agrees_with_the_kpi_rows(sample_build):
    con = duckdb.connect(str(sample_build.warehouse), read_only=True)
    try:
        mismatches = con.execute("""
            WITH expected AS (
                SELECT month, kpi_code, coalesce(merchant_id, '__platform__') AS scope,
                       count(breached) AS assessed, count(*) FILTER (WHERE breached) AS breached
                FROM marts.rpt_kpi_monthly GROUP BY ALL
                UNION ALL
                SELECT month, kpi_code, '__all__', count(breached), count(*) FILTER (WHERE breached)
                FROM marts.rpt_kpi_monthly WHERE merchant_id IS NOT NULL GROUP BY ALL
            )
            SELECT count(*) FROM expected e
            FULL JOIN marts.rpt_dash_kpi_breach_grid g USING (month, kpi_code, scope)
            WHERE g.assessed IS DISTINCT FROM e.assessed OR g.breached IS DISTINCT FROM e.breached
        """).fetchone()[0]
        states = {r[0] for r in con.execute("SELECT DISTINCT state FROM marts.rpt_dash_kpi_breach_grid").fetchall()}
    finally:
        con.close()
    assert mismatches == 0
    assert states <= {"met", "breached", "monitor"} and "breached" in states
