"""A run with nothing new must not pay for what it does not use: loading the Dagster definitions
(every `rightswatch run` does) must not import Great Expectations, which alone takes seconds."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def test_loading_the_definitions_does_not_import_great_expectations():
    code = ("import sys, dagster_project.definitions, dagster_project.cli.commands; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'great_expectations')[:3])")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=600, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]", out
