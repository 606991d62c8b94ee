"""The package tree shows the architecture (docs/architecture.md, "Python packages"): only the code
location, the settings and the package marker sit at the root, every other module lives in its layer,
and the entry points named in pyproject.toml, the Makefile and the docs still start."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dagster_project"


def test_only_the_code_location_and_settings_are_loose_modules():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "definitions.py", "settings.py"]


def test_every_layer_is_a_package():
    for layer in ("orchestration", "orchestration/assets", "warehouse", "state", "cli"):
        assert (PACKAGE / layer / "__init__.py").is_file(), layer


def test_the_console_script_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "dagster_project.cli", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rightswatch" in done.stdout


def test_pyproject_names_the_new_places():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["project"]["scripts"]["rightswatch"] == "dagster_project.cli:main"
    # rw-dbt has no .py suffix and bin/ is no package: without this a wheel runs dbt through a missing file
    assert "bin/*" in config["tool"]["setuptools"]["package-data"]["dagster_project"]
