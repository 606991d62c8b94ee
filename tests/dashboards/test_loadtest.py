"""`make loadtest`: bounded, loopback only, and it really drives browsers through the four pages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))

import loadtest  # noqa: E402


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert loadtest.percentile(values, 95) == 19.0
    assert loadtest.percentile(values, 50) == 10.0
    assert loadtest.percentile([3.0], 95) == 3.0


def test_only_loopback_urls_are_loaded():
    loadtest.require_loopback("http://127.0.0.1:8501")
    loadtest.require_loopback("http://localhost:8501")
    with pytest.raises(SystemExit, match="not a loopback"):
        loadtest.require_loopback("http://192.0.2.10:8501")


@pytest.mark.parametrize("args", [["--users", "0"], ["--users", "33"], ["--rounds", "21"], ["--deadline", "5"],
                                  ["--url", "http://127.0.0.1:1"]])
def test_users_rounds_and_time_are_bounded(args):
    with pytest.raises(SystemExit):
        loadtest.parse_args(args)


@pytest.mark.browser
def test_two_users_visit_every_page_and_figures_are_printed(dash_data, tmp_path):
    from test_browser import _require_browser

    _require_browser()
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, "scripts/loadtest.py", "--users", "2", "--deadline", "240",
                           "--warehouse", str(dash_data.warehouse), "--json", str(out)],
                          cwd=PROJECT_ROOT, env=dash_data.env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    figures = {row["page"]: row for row in json.loads(out.read_text())["pages"]}
    assert set(figures) == {"sign_in", "merchants", "complaints", "data_quality", "overview"}
    assert all(row["n"] == 2 and 0 < row["p50"] <= row["p95"] <= row["max"] for row in figures.values())
    assert "p95" in proc.stdout and "server CPU" in proc.stdout
    # the load run signs in with its own accounts on a private copy: the real state store is untouched
    assert not dash_data.state_db.exists() or "loadtest" not in dash_data.state_db.read_bytes().decode("latin-1")
