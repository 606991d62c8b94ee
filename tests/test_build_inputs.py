"""The fingerprint behind "nothing new, nothing done": it must change whenever the published marts
could change (a file, a decision, a setting), and only a run that published can be "unchanged since"."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from pathlib import Path

import pytest

from dagster_project.orchestration import build_inputs
from dagster_project.settings import Settings
from dagster_project.state import connect_state
from dagster_project.state.decisions import record_decision
from dagster_project.warehouse.work_db import connect_work_db


def _settings(tmp_path: Path, config: Path | None = None) -> Settings:
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "w.duckdb", reports=tmp_path / "r",
                    users_file=tmp_path / "users.json", config_file=config)


@pytest.fixture()
def work(tmp_path):
    with closing(connect_work_db(tmp_path / "w.work.duckdb")) as con:
        con.execute("insert into meta.file_registry (source, delivery_date, file_name, file_sha256, status) "
                    "values ('orders', date '2026-10-25', 'a.csv', 'aa', 'loaded')")
        yield con


def _published_run(con, settings: Settings, run_id: str) -> str:
    value = build_inputs.fingerprint(con, settings)
    con.execute("insert into meta.pipeline_runs values (?, now()::timestamp, now()::timestamp, 'success', null, null)",
                [run_id])
    build_inputs.record(con, run_id, value)
    settings.warehouse.write_bytes(b"published")
    return value


def test_same_inputs_after_a_publication_are_nothing_new(work, tmp_path):
    settings = _settings(tmp_path)
    value = _published_run(work, settings, "run-1")
    last = build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings))
    assert last is not None and last.run_id == "run-1" and last.fingerprint == value
    assert "nothing new since run run-1" in build_inputs.nothing_new_message(last)


def test_a_new_file_a_replaced_file_or_a_new_decision_is_something_new(work, tmp_path):
    settings = _settings(tmp_path)
    _published_run(work, settings, "run-1")
    work.execute("insert into meta.file_registry (source, delivery_date, file_name, file_sha256, status) "
                 "values ('orders', date '2026-10-26', 'b.csv', 'bb', 'loaded')")
    assert build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings)) is None
    _published_run(work, settings, "run-2")
    work.execute("update meta.file_registry set file_sha256 = 'cc' where file_name = 'b.csv'")
    assert build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings)) is None
    _published_run(work, settings, "run-3")
    with closing(connect_state(settings.state_db)) as state:
        record_decision(state, "M1", dt.date(2026, 10, 26), 2, "confirm", None, None, "boss")
    assert build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings)) is None


def test_an_override_in_the_state_store_is_something_new(work, tmp_path):
    """Read from the state store, not the work file's copy: the look-ahead before a run (quiet_landing)
    must see an override an operator recorded since the last run, before ingestion copies it."""
    from dagster_project.state.overrides import record_override

    settings = _settings(tmp_path)
    _published_run(work, settings, "run-1")
    with closing(connect_state(settings.state_db)) as state:
        record_override(state, "orders", dt.date(2026, 10, 25), "boss", "checked by hand")
    assert build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings)) is None


def test_an_erasure_is_something_new(work, tmp_path):
    from dagster_project.privacy.erasure import durable_tags  # noqa: F401  (registers the state schema)

    settings = _settings(tmp_path)
    _published_run(work, settings, "run-1")
    with closing(connect_state(settings.state_db)) as state:
        state.execute("INSERT INTO erasure_list (tag) VALUES ('t1')")
        state.commit()
    assert build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings)) is None


def test_a_changed_setting_is_something_new(work, tmp_path):
    _published_run(work, _settings(tmp_path), "run-1")
    config = tmp_path / "config.yml"
    config.write_text("rw_reporting_tz: Asia/Shanghai\n", encoding="utf-8")
    settings = _settings(tmp_path, config)
    assert build_inputs.unchanged_since(work, settings, build_inputs.fingerprint(work, settings)) is None


def test_a_run_that_did_not_publish_never_counts(work, tmp_path):
    settings = _settings(tmp_path)
    value = build_inputs.fingerprint(work, settings)
    work.execute("insert into meta.pipeline_runs values ('run-f', now()::timestamp, null, 'failed', null, 'dbt')")
    build_inputs.record(work, "run-f", value)
    settings.warehouse.write_bytes(b"an older build")
    assert build_inputs.unchanged_since(work, settings, value) is None


def test_a_missing_published_file_is_rebuilt(work, tmp_path):
    settings = _settings(tmp_path)
    value = _published_run(work, settings, "run-1")
    settings.warehouse.unlink()
    assert build_inputs.unchanged_since(work, settings, value) is None
