"""RW_MEMORY_LIMIT and RW_TEMP_DIR reach every DuckDB the pipeline opens: ingestion's work database,
publication's copy and dbt's profile."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import jinja2
import pytest
import yaml

from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.warehouse import memory
from dagster_project.warehouse.work_db import connect_work_db


def _setting(con, name: str) -> str:
    return con.execute(f"select current_setting('{name}')").fetchone()[0]


def test_the_work_database_uses_the_configured_limit_and_spill_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_MEMORY_LIMIT", "512MiB")
    monkeypatch.setenv("RW_TEMP_DIR", str(tmp_path / "spill"))
    with closing(connect_work_db(tmp_path / "w.work.duckdb")) as con:
        assert _setting(con, "memory_limit") == "512.0 MiB"
        assert _setting(con, "temp_directory") == str(tmp_path / "spill")


def test_defaults_are_sized_to_the_machine_and_spill_beside_the_work_file(tmp_path, monkeypatch):
    monkeypatch.delenv("RW_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("RW_TEMP_DIR", raising=False)
    limit = memory.memory_limit()
    assert limit.endswith("MiB") and 0 < int(limit[:-3]) <= 3 * 1024
    with closing(connect_work_db(tmp_path / "w.work.duckdb")) as con:
        assert _setting(con, "temp_directory") == str(tmp_path / "w.work.tmp")


def test_a_wrong_memory_limit_names_the_setting(monkeypatch):
    monkeypatch.setenv("RW_MEMORY_LIMIT", "lots")
    with pytest.raises(memory.MemorySettingError, match="RW_MEMORY_LIMIT='lots'"):
        memory.memory_limit()


def test_the_dbt_profile_reads_the_values_the_pipeline_exports(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_MEMORY_LIMIT", "700MB")
    monkeypatch.setenv("RW_TEMP_DIR", str(tmp_path / "spill"))
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    exported = memory.export_for_dbt(tmp_path / "w.work.duckdb")
    assert exported == {"RW_MEMORY_LIMIT": "700MB", "RW_TEMP_DIR": str(tmp_path / "spill")}
    import os

    template = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    rendered = jinja2.Environment().from_string(template).render(
        env_var=lambda name, default=None: os.environ.get(name, default))
    settings = yaml.safe_load(rendered)["rightswatch"]["outputs"]["duckdb"]["settings"]
    assert settings["memory_limit"] == "700MB"
    assert Path(settings["temp_directory"]) == tmp_path / "spill"
