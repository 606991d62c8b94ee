"""`make test-spark` fails when the spark extra is missing instead of passing having compared nothing.

tests/test_spark_parity.py skips itself without pyspark/dbt-spark (a developer's `pytest -m spark`),
but under RW_REQUIRE_SPARK=1, which the Makefile's test-spark sets, the missing import is an error.
Both packages of the extra are hidden from a child pytest (``sys.modules[name] = None`` makes their
import fail), as on a clean clone before `make test-spark` installs them; the child only collects the
module, so this runs in seconds without Spark.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dagster_project.settings import PROJECT_ROOT

HIDE_SPARK_AND_COLLECT = (
    "import sys; sys.modules['pyspark'] = None; sys.modules['dbt.adapters.spark'] = None; import pytest; "
    "sys.exit(pytest.main(['--collect-only', '-q', '-m', 'spark', '-p', 'no:cacheprovider', "
    "'tests/test_spark_parity.py']))"
)


def _collect_without_spark(require: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "RW_REQUIRE_SPARK"}
    if require:
        env["RW_REQUIRE_SPARK"] = "1"
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run([sys.executable, "-c", HIDE_SPARK_AND_COLLECT], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_missing_spark_extra_fails_when_required():
    proc = _collect_without_spark(require=True)
    assert proc.returncode not in (0, 5), proc.stdout[-3000:]  # 5: nothing collected, also a "pass" in make
    assert "pyspark" in proc.stdout


def test_missing_spark_extra_skips_by_hand():
    proc = _collect_without_spark(require=False)
    assert proc.returncode in (0, 5), proc.stdout[-3000:]
    assert "skipped" in proc.stdout.lower()


@pytest.mark.parametrize("target", ["test-spark", "test"])
def test_make_test_spark_requires_spark(target):
    """Both `make test-spark` and `make test` (which runs the parity among the other tests) require it."""
    dry_run = subprocess.run(["make", "-n", target], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             timeout=60, env={**os.environ, "VENV": ".venv"})
    pytest_lines = [line for line in dry_run.stdout.splitlines() if "-m pytest" in line]
    assert pytest_lines and all("RW_REQUIRE_SPARK=1" in line for line in pytest_lines), dry_run.stdout
    assert not any("not spark" in line for line in pytest_lines), dry_run.stdout
