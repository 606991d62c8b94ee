"""AppTest: the personal-information requests page for the roles that see KPIs, in both languages,
with counts by type and channel and the overdue deletions, never a pseudonym."""

from __future__ import annotations

import duckdb
import pytest
from conftest import signed_in
from shown import tables


def _frames(at):
    return tables(at)


@pytest.mark.parametrize("role, lang, title", [("regulator", "en", "Personal-information requests"),
                                               ("analyst", "zh", "个人信息权利请求")])
def test_privacy_page_shows_kpis_breakdowns_and_overdue_deletions(dash_env, role, lang, title):
    at = signed_in(role, lang=lang)
    at.switch_page("pages/privacy.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == title
    assert len(at.metric) == 3
    frames = _frames(at)
    assert len(frames) == 3  # by type, by channel, overdue deletions
    by_type, by_channel, overdue = frames
    assert by_type.iloc[:, 1].sum() == by_channel.iloc[:, 1].sum() > 0  # same requests, two breakdowns
    with duckdb.connect(str(dash_env.warehouse), read_only=True) as con:
        deletion_ids = {r[0] for r in con.execute(
            "SELECT request_id FROM marts.fct_privacy_requests WHERE request_type = 'deletion'").fetchall()}
        pseudonyms = {r[0] for r in con.execute("SELECT consumer_key FROM marts.fct_privacy_requests").fetchall()}
    assert len(overdue) > 0 and set(overdue.iloc[:, 0]) <= deletion_ids
    shown = {str(v) for frame in frames for v in frame.to_numpy().ravel()}
    assert not (shown & pseudonyms)  # counts and request ids only


def test_admin_cannot_open_the_privacy_page(dash_env):
    at = signed_in("admin", lang="en")
    with pytest.raises(ValueError):
        at.switch_page("pages/privacy.py")


def test_data_quality_page_shows_erasures_in_counts(dash_env):
    from contextlib import closing

    from dagster_project.privacy.erasure import record_erasure
    from dagster_project.state import connect_state

    with closing(connect_state(dash_env.state_db)) as con:
        record_erasure(con, b"k" * 32, {"a" * 64, "b" * 64, "c" * 64}, "deletion_request", "PR-ERASE-77", 41)
    at = signed_in("analyst", lang="en")
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception, at.exception
    assert "Personal data erased (counts only)" in [x.label for x in at.tabs]
    at.session_state["dq_tab"] = "Personal data erased (counts only)"  # detail tables sit in lazy tabs
    at.run()
    assert not at.exception, at.exception
    assert "Personal data erased (counts only)" in [s.value for s in at.subheader]
    frames = tables(at)
    erased = [f for f in frames if "Links erased" in f.columns]
    assert len(erased) == 1
    row = erased[0].iloc[0]
    assert (row["Request id"], row["Links erased"], row["Stored values rewritten"]) == ("PR-ERASE-77", 3, 41)
    assert not any("a" * 64 in str(v) for v in erased[0].to_numpy().ravel())
