import json

import pytest

from dagster_project.orchestration.dbt_args import build_dbt_args


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
