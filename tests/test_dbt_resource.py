"""The pipeline's dbt resource starts one process per build: dbt itself, with no `dbt --version` before it
and no dbt adapter built in the pipeline's own process (1.8 s and 1.4 s measured, docs/performance.md)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from packaging.version import Version

from dagster_project.orchestration.resources import build_resources


def test_the_dbt_version_is_known_without_running_dbt(monkeypatch):
    import dagster_dbt.core.resource as dagster_dbt_resource

    dbt = build_resources()["dbt"]  # first: preparing a stale dbt project may run dbt (parse), rightly

    def no_process(*args, **kwargs):
        raise AssertionError(f"dbt was started to ask its version: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_process)
    assert dbt._cli_version == Version(version("dbt-core"))


@pytest.mark.timeout(300)
def test_a_dbt_invocation_builds_no_adapter_in_this_process(monkeypatch, tmp_path):
    import dbt.adapters.factory as factory

    registered = []
    monkeypatch.setattr(factory, "register_adapter", lambda *a, **k: registered.append(a))
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "rightswatch.duckdb"))
    dbt = build_resources()["dbt"]
    invocation = dbt.cli(["ls", "--resource-type", "model", "--select", "fct_order_lines"],
                         target_path=tmp_path / "target")
    invocation.wait()
    assert invocation.is_successful()
    assert invocation.adapter is None and registered == []
