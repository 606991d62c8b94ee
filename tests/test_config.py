import pytest

from dagster_project.orchestration.config import ConfigError, default_vars, effective_vars, load_overrides


def test_defaults_follow_the_kpi_dictionary():
    defaults = default_vars()
    assert defaults["rw_first_response_hours"] == 24
    assert defaults["rw_refund_days"] == 7
    assert defaults["rw_refund_penalty_days"] == 15
    assert defaults["rw_reporting_tz"] == "Asia/Shanghai"
    assert defaults["rw_score_general_ladder"] == [12, 24, 36]


def test_no_file_means_no_overrides():
    assert load_overrides(None) == {}


def test_override_wins_and_others_keep_defaults(tmp_path):
    path = tmp_path / "rw.yml"
    path.write_text("rw_first_response_hours: 12\n", encoding="utf-8")
    values = effective_vars(path)
    assert values["rw_first_response_hours"] == 12
    assert values["rw_refund_days"] == 7


def test_unknown_setting_is_named(tmp_path):
    path = tmp_path / "rw.yml"
    path.write_text("rw_first_respnse_hours: 12\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="rw_first_respnse_hours"):
        load_overrides(path)


def test_unreadable_file_says_what_to_check(tmp_path):
    with pytest.raises(ConfigError, match="RW_CONFIG"):
        load_overrides(tmp_path / "missing.yml")


def test_not_a_mapping(tmp_path):
    path = tmp_path / "rw.yml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_overrides(path)
