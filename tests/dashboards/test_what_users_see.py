"""What the pages say is true: times in the reporting time zone, codes in the session's language,
empty cells blank, a rate's change in percentage points."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
from conftest import signed_in
from shown import tables


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
    runs = tables(at)[0]
    assert "success" not in set(runs["状态"]) and "成功" in set(runs["状态"])
    for frame in tables(at):
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


def _runs_in_reporting_tz(dash_env) -> pd.DataFrame:
    tz = _reporting_tz(dash_env)
    with duckdb.connect(str(dash_env.warehouse), read_only=True) as con:
        runs = con.execute("select started_at from marts.dq_pipeline_runs where started_at is not null").df()
    return runs["started_at"].dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)


def test_time_columns_are_in_the_reporting_time_zone_named_in_the_header(dash_env, monkeypatch):
    """Tables show instants as wall-clock time in rpt_kpi_config's zone (not UTC) and the downloads
    hold the same values under the same header."""
    import dashboards.ui as ui

    downloaded = {}
    real = ui.download_buttons
    monkeypatch.setattr(ui, "download_buttons", lambda df, name, *a, **k: (downloaded.__setitem__(name, df),
                                                                           real(df, name, *a, **k)))
    tz = _reporting_tz(dash_env)
    expected = sorted(_runs_in_reporting_tz(dash_env))
    for lang, header in (("en", f"Started ({tz})"), ("zh", f"开始时间（{tz}）")):
        at = signed_in("analyst", lang=lang)
        at.switch_page("pages/data_quality.py").run()
        assert not at.exception
        runs = tables(at)[0]
        assert header in runs.columns and "UTC" not in " ".join(runs.columns)
        assert sorted(runs[header]) == [e.strftime("%Y-%m-%d %H:%M:%S") for e in expected]  # to the second
        assert sorted(downloaded["pipeline_runs"][header]) == expected


def test_empty_cells_of_every_type_are_blank(dash_env):
    """A missing cell is blank, never "None", "nan" or "NaT": in the server-built tables every cell's
    text is checked; Streamlit's data grid (interactive mode) draws "None" unless the table names a
    placeholder, so there every table must set a blank one (numbers, dates and times, not only text)."""
    from dashboards.auth import PAGES

    static_tables = grids = blanks = 0
    for spec in PAGES:
        at = signed_in(sorted(spec.roles)[0], lang="en")
        at.switch_page(spec.path).run()
        assert not at.exception, spec.path
        for body in (el.proto.body for el in at.get("html") if 'class="rw-table"' in el.proto.body):
            cells = re.findall(r"<td[^>]*>([^<]*)</td>", body)
            assert not {"None", "nan", "NaN", "NaT", "&lt;NA&gt;"} & set(cells), spec.path
            blanks += cells.count("")
            static_tables += 1
        grid = signed_in(sorted(spec.roles)[0], lang="en", interactive=True)
        grid.switch_page(spec.path).run()
        for frame in grid.dataframe:
            assert frame.proto.HasField("placeholder") and frame.proto.placeholder == "", spec.path
            grids += 1
    assert static_tables >= 10 and grids == static_tables  # the tables of every page were looked at
    assert blanks  # the sample has missing values, shown as blank cells


def test_audit_times_are_in_the_reporting_time_zone(dash_env):
    tz = _reporting_tz(dash_env)
    at = signed_in("admin", lang="zh")
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    log = tables(at)[0]
    assert f"时间（{tz}）" in log.columns and not any("UTC" in c for c in log.columns)
