"""The KPI layer's dbt unit tests (dbt/models/intermediate/kpi/_kpi__unit_tests.yml and
intermediate/privacy/_privacy__unit_tests.yml): hand-computed KPI rows, the monthly grid, and the
names that state the limits in force. The pipeline leaves dbt unit tests to the test suite; they run
here on a copy of the sample's work database (dbt reads the input columns' types from the built
relations). Without this, a unit test whose input no longer matches its model's refs errors unseen."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))
SELECT = ["test_type:unit,path:models/intermediate/kpi", "test_type:unit,path:models/intermediate/privacy"]


def test_kpi_unit_tests_pass(sample_build, tmp_path):
    shutil.copyfile(sample_build.work_db, tmp_path / "rightswatch.work.duckdb")
    env = {**sample_build.env, "RW_WAREHOUSE": str(tmp_path / "rightswatch.duckdb")}
    proc = subprocess.run([DBT, "test", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs"), "--select", *SELECT],
                          cwd=PROJECT_ROOT / "dbt", env=env, capture_output=True, text=True, timeout=900)
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    assert proc.returncode == 0, log[-4000:]
    passed = set(re.findall(r"\d+ of \d+ PASS\s+\w+::(\w+)", log))
    assert {"kpi_names_state_the_limits_in_force", "privacy_kpis_platform_only_on_the_grid",
            "monthly_grid_targets_breaches"} <= passed, log[-4000:]
    assert len(passed) >= 13, log[-4000:]
