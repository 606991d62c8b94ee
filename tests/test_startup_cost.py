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


def test_a_run_that_sees_nothing_new_loads_neither_dbt_nor_the_warehouse_job():
    """The ingestion-only path (dagster_project.orchestration.landing_only) exists to skip dagster-dbt, dbt
    and the dbt manifest, about 3 s: an import that slips back in would silently cost them again."""
    code = ("import sys; from dagster_project.orchestration.landing_only import landing_only_definitions; "
            "from dagster_project.orchestration.quiet_landing import landing_looks_unchanged; "
            "landing_only_definitions().resolve_job_def('landing_only_job'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dbt', 'dagster_dbt', 'great_expectations') "
            "or m == 'dagster_project.definitions')[:3])")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=600, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]", out
