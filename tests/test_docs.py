"""docs/ carries the project's own landing contract, KPI dictionary and scoring model, rendered from
the definitions the code runs on, and nothing in the repository points at files outside it."""

from __future__ import annotations

import re
import subprocess

from dagster_project.cli.docs_render import render_all
from dagster_project.settings import PROJECT_ROOT


def test_rendered_docs_are_up_to_date():
    stale = [path.name for path, text in render_all().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert stale == [], f"run `python -m dagster_project.cli.docs_render` and commit: {stale}"


def test_docs_state_the_values_in_force_by_default():
    docs = {path.name: text for path, text in render_all().items()}
    assert "**Asia/Shanghai**" in docs["landing-contract.md"]
    assert "| `rw_first_response_hours` | 24 | complaint_first_response_24h_rate |" in docs["kpis.md"]
    assert "| `counterfeit` | serious | 12 |" in docs["violation-scoring.md"]


def test_nothing_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    pattern = re.compile(r"shared/spec|\.\./shared")
    offenders = [name for name in files if name != "tests/test_docs.py" and (PROJECT_ROOT / name).is_file()
                 and pattern.search((PROJECT_ROOT / name).read_text(encoding="utf-8", errors="ignore"))]
    assert offenders == []
