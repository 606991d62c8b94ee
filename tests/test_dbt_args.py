import json

import pytest

from dagster_project.orchestration.dbt_args import (
    build_dbt_args,
    out_of_memory_retry_args,
    pipeline_build_args,
)


def test_plain_build_has_no_vars():
    assert build_dbt_args() == ["build"]


def test_overrides_are_serialised_deterministically():
    args = build_dbt_args(vars={"rw_refund_days": 5, "rw_first_response_hours": 12})
    assert args[:2] == ["build", "--vars"]
    assert args[2] == '{"rw_first_response_hours": 12, "rw_refund_days": 5}'
    assert json.loads(args[2]) == {"rw_first_response_hours": 12, "rw_refund_days": 5}


def test_chinese_values_are_kept_readable():
    args = build_dbt_args(vars={"rw_reporting_tz": "Asia/Shanghai", "label": "上海"})
    assert "上海" in args[2]


def test_select_exclude_and_full_refresh():
    args = build_dbt_args("run", select=["marts.kpi", "tag:x"], exclude=["staging"], full_refresh=True)
    assert args == ["run", "--select", "marts.kpi", "tag:x", "--exclude", "staging", "--full-refresh"]


def test_docs_generate_splits_into_two_words():
    assert build_dbt_args("docs generate") == ["docs", "generate"]


@pytest.mark.parametrize("command", ["seed --full-refresh", "drop", ""])
def test_unknown_command_is_refused(command):
    with pytest.raises(ValueError):
        build_dbt_args(command)


def test_full_refresh_only_for_build_and_run():
    with pytest.raises(ValueError, match="full-refresh"):
        build_dbt_args("test", full_refresh=True)


def test_pipeline_builds_can_leave_unit_tests_to_the_test_suite():
    args = build_dbt_args(exclude_resource_types=["unit_test"])
    assert args == ["build", "--exclude-resource-type", "unit_test"]


def test_a_warehouse_run_builds_incrementally_by_default():
    from dagster_project.orchestration.dbt_args import full_refresh_reason, pipeline_build_args, run_tags

    assert run_tags() == {}
    assert full_refresh_reason(run_tags(), "abc", "abc") is None
    assert pipeline_build_args(None) == ["build", "--exclude-resource-type", "unit_test"]


def test_full_refresh_tag_adds_full_refresh_to_the_pipeline_build():
    from dagster_project.orchestration.dbt_args import (
        FULL_REFRESH_TAG,
        full_refresh_reason,
        pipeline_build_args,
        run_tags,
    )

    tags = run_tags(full_refresh=True)
    assert tags == {FULL_REFRESH_TAG: "true"}
    assert full_refresh_reason(tags, "abc", "abc") == "asked for (--full-refresh)"
    args = pipeline_build_args({"rw_refund_days": 5}, full_refresh=True)
    assert args == ["build", "--vars", '{"rw_refund_days": 5}', "--exclude-resource-type", "unit_test",
                    "--full-refresh"]
    # typed on the Dagster launchpad by hand
    assert full_refresh_reason({FULL_REFRESH_TAG: " True "}, "abc", "abc")
    assert full_refresh_reason({FULL_REFRESH_TAG: "false"}, "abc", "abc") is None


def test_changed_code_or_settings_or_no_recorded_build_rebuild_everything():
    from dagster_project.orchestration.dbt_args import full_refresh_reason

    assert "changed" in full_refresh_reason({}, "old", "new")
    assert "no earlier dbt build" in full_refresh_reason({}, None, "new")
    assert "run r7 stopped before it finished" in full_refresh_reason({}, "same", "same", "r7")
    assert full_refresh_reason({}, "same", "same", None) is None


def test_dbt_inputs_digest_follows_code_and_overrides():
    from dagster_project.orchestration.build_inputs import dbt_inputs_digest

    assert dbt_inputs_digest({}) == dbt_inputs_digest({})
    assert dbt_inputs_digest({}) != dbt_inputs_digest({"rw_reporting_tz": "UTC"})


def test_the_last_recorded_dbt_build_is_the_one_compared():
    import duckdb

    from dagster_project.orchestration.build_inputs import last_dbt_build_digest, record_dbt_build

    con = duckdb.connect()
    assert last_dbt_build_digest(con) is None
    record_dbt_build(con, "r1", "d1", True)
    record_dbt_build(con, "r2", "d2", False)
    assert last_dbt_build_digest(con) == "d2"


def test_run_command_line_has_full_refresh():
    from dagster_project.cli import build_parser

    assert build_parser().parse_args(["run", "--full-refresh"]).full_refresh is True
    assert build_parser().parse_args(["run"]).full_refresh is False


def test_full_refresh_with_an_as_of_rebuild_is_refused(capsys):
    from dagster_project.cli import main

    assert main(["run", "--full-refresh", "--cutoff", "2026-10-28", "--into", "/nonexistent"]) == 2
    assert "--full-refresh does not go with --cutoff" in capsys.readouterr().err
def test_duckdb_engine_uses_the_profile_default_target():
    assert "--target" not in build_dbt_args("build", engine="duckdb")


def test_spark_engine_selects_the_spark_target():
    args = build_dbt_args("run", vars={"rw_cutoff": "2026-01-31"}, full_refresh=True, engine="spark")
    assert args[-3:] == ["--full-refresh", "--target", "spark"]


def test_a_spark_warehouse_run_builds_on_the_spark_target():
    from dagster_project.orchestration.dbt_args import pipeline_build_args

    assert pipeline_build_args(None, engine="spark")[-2:] == ["--target", "spark"]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine 'sparkk'"):
        build_dbt_args(engine="sparkk")


def test_rw_engine_reaches_settings_and_is_checked(monkeypatch):
    from dagster_project.settings import get_settings

    monkeypatch.delenv("RW_ENGINE", raising=False)
    assert get_settings().engine == "duckdb"
    monkeypatch.setenv("RW_ENGINE", "Spark")
    assert get_settings().engine == "spark"
    monkeypatch.setenv("RW_ENGINE", "postgres")
    with pytest.raises(ValueError, match="RW_ENGINE='postgres'"):
        get_settings()


def test_profiles_define_every_engine_as_a_target():
    import yaml

    from dagster_project.settings import DBT_PROJECT_DIR, ENGINES

    outputs = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["rightswatch"]["outputs"]
    assert set(ENGINES) <= set(outputs)
    assert outputs["spark"]["type"] == "spark" and outputs["spark"]["method"] == "session"


def test_a_dbt_build_that_did_not_finish_is_found_until_a_later_one_does():
    import duckdb

    from dagster_project.orchestration.build_inputs import (
        record_dbt_build,
        record_dbt_start,
        unfinished_dbt_build,
    )

    con = duckdb.connect()
    record_dbt_start(con, "r1")  # first, on a file without the tables
    assert unfinished_dbt_build(con) == "r1"
    record_dbt_build(con, "r1", "d", False)
    assert unfinished_dbt_build(con) is None
    record_dbt_start(con, "r2")  # a test failed, or the run was killed: no build recorded
    assert unfinished_dbt_build(con) == "r2"
    record_dbt_start(con, "r3")
    record_dbt_build(con, "r3", "d", True)  # the next build (a full refresh) finished
    assert unfinished_dbt_build(con) is None


def _results(*statuses_and_messages):
    return {"results": [{"unique_id": f"model.rightswatch.m{i}", "status": status, "message": message}
                        for i, (status, message) in enumerate(statuses_and_messages)]}


OOM = ("Runtime Error in model fct_order_lines (models/marts/core/fct_order_lines.sql)\n  Out of Memory Error: "
       "failed to pin block of size 256.0 KiB (1.4 GiB/1.5 GiB used)")


def test_a_build_that_ran_out_of_memory_is_retried_one_node_at_a_time():
    first = pipeline_build_args(None, full_refresh=True)
    retry = out_of_memory_retry_args(first, _results(("success", "OK"), ("error", OOM), ("skipped", None)), "/t/1")
    assert retry == [*first, "--select", "result:error+ result:skipped+", "--state", "/t/1", "--threads", "1"]
    assert retry[:len(first)] == first and "--full-refresh" in retry  # the same build, incremental or full


def test_other_failures_are_not_retried():
    first = pipeline_build_args(None)
    assert out_of_memory_retry_args(first, _results(("success", "OK"), ("pass", None)), "/t/1") is None
    assert out_of_memory_retry_args(first, _results(("error", OOM), ("error", "Binder Error: no such column")),
                                    "/t/1") is None
    assert out_of_memory_retry_args(first, _results(("fail", "Got 3 results, configured to fail if != 0")),
                                    "/t/1") is None
