"""A fresh clone has no DAGSTER_HOME folder: every entry point that opens the shared Dagster instance
(run, the as-of rebuild a report asks for) must create it, or Dagster refuses to start."""

from __future__ import annotations

from dagster import DagsterInstance

from dagster_project.orchestration.instance import ensure_dagster_home


def test_a_missing_dagster_home_is_created_and_usable(tmp_path, monkeypatch):
    home = tmp_path / "fresh" / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert ensure_dagster_home() == home.resolve()
    assert (home / "dagster.yaml").is_file()
    with DagsterInstance.get() as instance:  # raises when the folder does not exist
        assert instance.get_runs() == []
