"""What the pages say is true: times in the reporting time zone, codes in the session's language,
empty cells blank, a rate's change in percentage points."""

from __future__ import annotations

import duckdb
import pandas as pd
from conftest import signed_in


def _reporting_tz(dash_env) -> str:
    with duckdb.connect(str(dash_env.warehouse), read_only=True) as con:
        row = con.execute("select value from marts.rpt_kpi_config where var_name = 'rw_reporting_tz'").fetchone()
    return row[0]


def test_publish_time_is_in_the_reporting_time_zone(dash_env):
    at = signed_in("analyst", lang="en")
    published = next(c.value for c in at.caption if c.value.startswith("Data published"))
    assert published.endswith(_reporting_tz(dash_env)) and "UTC" not in published


def test_run_status_and_codes_are_translated_and_blanks_are_blank(dash_env):
    at = signed_in("analyst", lang="zh")
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception
    status = next(m for m in at.metric if m.label == "状态")
    assert status.value == "成功"
    finished = next(m for m in at.metric if m.label == "结束时间")
    assert finished.value.endswith(_reporting_tz(dash_env))
    runs = at.dataframe[0].value
    assert "success" not in set(runs["状态"]) and "成功" in set(runs["状态"])
    for frame in (d.value for d in at.dataframe):
        text = frame.select_dtypes(include="object")
        assert not text.isna().any().any(), "a missing text value would show as None"
        assert not (text == "None").any().any()


def test_a_rates_change_is_in_percentage_points(dash_env):
    for lang, unit in (("zh", "个百分点"), ("en", "pp")):
        at = signed_in("analyst", lang=lang)
        deltas = [m.proto.delta for m in at.metric if m.proto.delta]
        rate_deltas = [d for d in deltas if unit in d]
        assert rate_deltas, deltas
        assert not any(d.endswith("%") for d in deltas), deltas
        assert all(pd.notna(d) for d in rate_deltas)
