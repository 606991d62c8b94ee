"""The pipeline takes the Spark steps when RW_ENGINE=spark and exactly the DuckDB ones otherwise (issue 12).

The assets (dbt, publication) ask ``engine_steps.steps_for(settings.engine)``; these tests pin what
that table answers and run the DuckDB publication step for real. The Spark steps themselves run
against a real Spark Connect server in tests/test_spark_parity.py (`make test-spark`).
"""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.orchestration.engine_steps import STEPS, steps_for
from dagster_project.settings import ENGINES, Settings
from dagster_project.warehouse import spark_pipeline
from dagster_project.warehouse.publish import open_published


def _settings(tmp_path, engine: str) -> Settings:
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "wh" / "rightswatch.duckdb",
                    reports=tmp_path / "r", users_file=tmp_path / "users.json", config_file=None, engine=engine)


def test_spark_registers_sources_before_dbt_and_publishes_from_spark():
    steps = steps_for("spark")
    assert steps.prepare_sources is spark_pipeline.register_sources
    assert steps.publish is spark_pipeline.publish


def test_duckdb_has_no_step_before_dbt_and_publishes_the_work_file(tmp_path):
    steps = steps_for("duckdb")
    assert steps.prepare_sources is None
    settings = _settings(tmp_path, "duckdb")
    settings.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.work_db)) as con:
        con.execute("create schema marts; create table marts.rpt_kpi_monthly as select 1 as value")
    result = steps.publish(settings, None)
    assert result.path == settings.warehouse and result.tables == {"rpt_kpi_monthly": 1}
    with open_published(settings.warehouse) as con:
        assert con.execute("select value from marts.rpt_kpi_monthly").fetchall() == [(1,)]
    assert not spark_pipeline.spark_data_dir(settings).exists()  # nothing of the Spark path was touched


def test_every_engine_has_steps_and_an_unknown_one_is_refused():
    assert {steps_for(engine).engine for engine in ENGINES} == set(ENGINES)
    assert tuple(STEPS) == ENGINES  # no steps for an engine settings does not know
    with pytest.raises(ValueError, match="unsupported engine 'sprak'"):
        steps_for("sprak")


def test_spark_without_spark_remote_says_how_to_start_a_server(tmp_path, monkeypatch):
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    with pytest.raises(RuntimeError, match="SPARK_REMOTE.*spark_connect start"):
        spark_pipeline.register_sources(_settings(tmp_path, "spark"))


def test_spark_parquet_lives_beside_the_published_file(tmp_path):
    settings = _settings(tmp_path, "spark")
    assert spark_pipeline.spark_data_dir(settings) == tmp_path / "wh" / "rightswatch.spark"
