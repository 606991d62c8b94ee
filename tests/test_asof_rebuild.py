"""The as-of rebuild is a pipeline entry point: ``rightswatch run --cutoff DAY --into DIR`` (the Dagster
job asof_job) publishes the marts as of that day into DIR with the run's own configuration, and
leaves the live warehouse alone. Reports only read the file it publishes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dagster_project.orchestration.assets.asof import AsOfRebuildError, asof_dbt_args, cutoff_local
from dagster_project.orchestration.dbt_args import build_dbt_args
from dagster_project.settings import get_settings

pytestmark = pytest.mark.slow


def test_cutoff_day_means_its_end_and_bad_text_is_refused():
    assert cutoff_local("2026-10-28") == "2026-10-28 23:59:59.999999"
    assert cutoff_local("2026-10-28T08:00:00") == "2026-10-28 08:00:00.000000"
    with pytest.raises(AsOfRebuildError, match="YYYY-MM-DD"):
        cutoff_local("28/10/2026")


def test_asof_arguments_come_from_the_runs_config_loader_and_builder(tmp_path, monkeypatch):
    config = tmp_path / "rw.yml"
    config.write_text("rw_first_response_hours: 12\n", encoding="utf-8")
    monkeypatch.setenv("RW_CONFIG", str(config))
    args = asof_dbt_args(get_settings(), "2026-10-28")
    assert args == build_dbt_args("run", vars={"rw_first_response_hours": 12,
                                               "rw_cutoff": "2026-10-28 23:59:59.999999"}, full_refresh=True)
    config.write_text("rw_first_respons_hours: 12\n", encoding="utf-8")  # a typo is refused, as in every run
    with pytest.raises(ValueError, match="unknown setting"):
        asof_dbt_args(get_settings(), "2026-10-28")



def test_asof_rebuild_builds_on_duckdb_even_when_the_pipeline_runs_on_spark(monkeypatch):
    """It publishes a DuckDB copy of the work file, so dbt must build there, not on Spark."""
    monkeypatch.setenv("RW_ENGINE", "spark")
    assert get_settings().engine == "spark"
    assert "--target" not in asof_dbt_args(get_settings(), "2026-10-28")

def _one(path: Path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_run_cutoff_into_publishes_the_marts_as_of_that_day(sample_build_12h, tmp_path):
    live = sample_build_12h.warehouse
    before = (live.stat().st_mtime_ns, _one(live, "select max(cutoff_at) from marts.rpt_kpi_monthly"))
    into = tmp_path / "asof"
    proc = sample_build_12h.rightswatch("run", "--cutoff", "2026-10-28", "--into", str(into))
    published = into / live.name
    assert f"published as of 2026-10-28 23:59:59.999999: {published}" in proc.stdout
    expected = (datetime(2026, 10, 28, 23, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Shanghai"))
                .astimezone(UTC).replace(tzinfo=None))
    assert _one(published, "select max(cutoff_at) from marts.rpt_kpi_monthly") == expected
    assert _one(published, "select value from marts.rpt_kpi_config where var_name = 'rw_first_response_hours'") == "12"
    assert sorted(p.name for p in into.iterdir()) == [live.name]  # the work copy and dbt target are gone
    assert (live.stat().st_mtime_ns, _one(live, "select max(cutoff_at) from marts.rpt_kpi_monthly")) == before
    assert before[1] != expected


def test_run_cutoff_needs_into(sample_build_12h):
    proc = sample_build_12h.rightswatch("run", "--cutoff", "2026-10-28", check=False)
    assert proc.returncode == 2 and "--cutoff and --into go together" in proc.stderr
