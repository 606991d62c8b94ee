"""AppTest: sign-in gate, pages per role, another role's page unreachable, filters, language, decisions."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import APP, ROLES, new_app, password_of, sign_in, signed_in
from fake_warehouse import (
    HOSTILE_DESCRIPTION,
    HOSTILE_ID,
    LANDING_ISSUE_PATH,
    OVERRIDE_BY,
    OVERRIDE_REASON,
    plant_integrity_rows,
)
from shown import chart_svgs, charts, tables

from dashboards.auth import PAGES, pages_for

EXPECTED_PAGES = {
    "analyst": {"overview", "complaints", "refunds", "price", "privacy", "data_quality"},
    "regulator": {"overview", "refunds", "price", "privacy", "merchants", "data_quality"},
    "manager": {"overview", "complaints", "refunds", "price", "privacy", "merchants", "data_quality", "approvals"},
    "admin": {"overview", "data_quality", "approvals", "audit"},
}
TITLES_EN = {"overview": "Overview", "complaints": "Complaints explorer", "refunds": "Refunds and returns",
             "price": "Price honesty", "privacy": "Personal-information requests", "merchants": "Merchants", "data_quality": "Data quality",
             "approvals": "Report approvals", "audit": "Audit log"}


def _data_elements(at) -> int:
    return len(tables(at)) + len(at.metric) + len(charts(at)) + len(at.table)


def _audit(dash_env, action: str) -> list[dict]:
    con = sqlite3.connect(dash_env.state_db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,))]
    finally:
        con.close()


def test_role_page_matrix_is_the_specified_one():
    assert {role: {p.page_id for p in pages_for(role)} for role in ROLES} == EXPECTED_PAGES


def test_nothing_renders_before_sign_in(dash_env):
    at = new_app().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["请先登录"]
    assert _data_elements(at) == 0
    # only the hidden sign-in page is registered: no navigation to data pages exists yet
    assert len(at._registered_pages) == 1
    with pytest.raises(ValueError):
        at.switch_page("pages/complaints.py")
    # asking for a data page by its URL still shows only the sign-in form
    from streamlit.navigation.page import calc_hash

    at._page_hash = calc_hash("complaints")
    at.run()
    assert _data_elements(at) == 0
    assert "请先登录" in [t.value for t in at.title]


def test_wrong_password_is_refused_and_audited(dash_env):
    at = new_app().run()
    sign_in(at, "analyst", "not-the-password")
    assert _data_elements(at) == 0
    assert any("错误" in e.value for e in at.error)
    assert any(e["actor"] == "analyst" for e in _audit(dash_env, "sign_in_failed"))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages(dash_env, role):
    at = signed_in(role, lang="en")
    registered = {p["script_path"].rsplit("/", 1)[-1].removesuffix(".py") for p in at._registered_pages.values()}
    expected_files = {p.path.rsplit("/", 1)[-1].removesuffix(".py") for p in PAGES if role in p.roles}
    assert registered == expected_files
    for spec in PAGES:
        if role not in spec.roles:
            with pytest.raises(ValueError, match="navigation page"):
                at.switch_page(spec.path)
    for spec in PAGES:
        if role in spec.roles:
            at.switch_page(spec.path).run()
            assert not at.exception, (spec.page_id, at.exception)
            assert at.title[0].value == TITLES_EN[spec.page_id]
            assert not at.error, (spec.page_id, [e.value for e in at.error])


@pytest.mark.parametrize("role", ROLES)
def test_another_roles_page_by_url_does_not_run(dash_env, role):
    """What a browser does for /audit: ask for the page's hash. Streamlit answers page-not-found."""
    from streamlit.navigation.page import calc_hash

    at = signed_in(role, lang="en")
    for spec in PAGES:
        if role in spec.roles:
            continue
        at._page_hash = calc_hash(spec.page_id)
        at.run()
        assert not at.exception
        assert TITLES_EN[spec.page_id] not in [t.value for t in at.title], spec.page_id


@pytest.mark.parametrize("page", ["audit", "merchants", "complaints"])
def test_page_refuses_a_role_it_is_not_for_even_when_run_directly(dash_env, page):
    from streamlit.testing.v1 import AppTest

    spec = next(p for p in PAGES if p.page_id == page)
    role = next(r for r in ROLES if r not in spec.roles)
    at = AppTest.from_file(str(APP.parent / spec.path), default_timeout=60)
    at.session_state["rw_user"] = {"name": role, "role": role, "method": "local"}
    at.run()
    assert _data_elements(at) == 0
    assert len(at.error) == 1
    assert any(e["target"] == page for e in _audit(dash_env, "page_denied"))


def test_language_switch_changes_labels_and_formats(dash_env):
    at = signed_in("analyst")
    zh_titles = [t.value for t in at.title]
    zh_metrics = [m.label for m in at.metric]
    zh_month = at.selectbox(key="ov_month").format_func(at.selectbox(key="ov_month").value)
    zh_charts = " ".join(charts(at))
    assert "月度趋势" in zh_charts and "monthly trend" not in zh_charts
    at.radio(key="lang").set_value("en").run()
    en_charts = " ".join(charts(at))
    assert "monthly trend" in en_charts and "月度趋势" not in en_charts
    assert not at.exception
    assert zh_titles == ["总览"] and [t.value for t in at.title] == ["Overview"]
    en_metrics = [m.label for m in at.metric]
    assert en_metrics and en_metrics != zh_metrics
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in en_metrics)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in zh_metrics)
    en_month = at.selectbox(key="ov_month").format_func(at.selectbox(key="ov_month").value)
    assert "年" in zh_month and "年" not in en_month
    assert [s.value for s in at.subheader][0] == "Headline KPIs against targets"


def _complaint_count(dash_env, lo, hi, channel=None) -> int:
    con = duckdb.connect(str(dash_env.warehouse), read_only=True)
    try:
        sql = "SELECT count(*) FROM marts.fct_complaints WHERE received_month BETWEEN ? AND ?"
        params = [lo, hi]
        if channel:
            sql += " AND channel = ?"
            params.append(channel)
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def _complaint_ids(dash_env, lo, hi) -> list[str]:
    con = duckdb.connect(str(dash_env.warehouse), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT complaint_id FROM marts.fct_complaints WHERE received_month "
                                          "BETWEEN ? AND ? ORDER BY received_at DESC, complaint_id", [lo, hi]).fetchall()]
    finally:
        con.close()


def _every_page(at, key: str) -> pd.DataFrame:
    """A SQL- or frame-paged table over all its pages, read through its pager ``key`` (shown only when
    there is more than one page); every page but the last is full. Leaves the last page open."""
    from dashboards.ui import TABLE_PAGE_SIZE as size

    frames = [tables(at)[0]]
    boxes = [n for n in at.number_input if n.key == key]  # many pages
    choices = [s for s in at.selectbox if s.key == key]  # up to ui.PAGE_CHOICES_MAX pages
    assert not (boxes and choices)
    pages = int(boxes[0].max) if boxes else len(choices[0].options) if choices else 1
    for number in range(2, pages + 1):
        if boxes:
            at.number_input(key=key).set_value(number).run()
        else:
            at.selectbox(key=key).select_index(number - 1).run()
        frames.append(tables(at)[0])
    assert all(len(f) == size for f in frames[:-1]) and 0 < len(frames[-1]) <= size
    return pd.concat(frames, ignore_index=True)


def _every_month(at, key: str, reversed_: bool = False) -> None:
    """Choose the whole month range of a ``ui.month_range`` (its two select boxes), or the same months
    given the wrong way round."""
    first, last = 0, len(at.selectbox(key=f"{key}_from").options) - 1
    if reversed_:
        first, last = last, first
    at.selectbox(key=f"{key}_from").select_index(first)
    at.selectbox(key=f"{key}_to").select_index(last).run()


def test_complaint_filter_changes_the_numbers(dash_env):
    """Figures count every filtered row; the table is paged in SQL and its pages hold exactly those rows."""
    from dashboards.ui import TABLE_PAGE_SIZE as size

    at = signed_in("analyst", lang="en")
    at.switch_page("pages/complaints.py").run()
    _every_month(at, "cx_months")
    lo, hi = at.selectbox(key="cx_months_from").value, at.selectbox(key="cx_months_to").value
    expected = _complaint_ids(dash_env, lo, hi)
    total = len(expected)
    assert total > size, "the sample must need more than one page for this test to mean anything"
    assert at.metric[0].value == f"{total:,}"
    _every_month(at, "cx_months", reversed_=True)  # a "from" after the "to" is the same range
    assert at.metric[0].value == f"{total:,}"
    _every_month(at, "cx_months")
    seen = _every_page(at, "cx_page")["Complaint id"].tolist()
    assert seen == expected  # every row once, newest first, none shipped twice or lost
    channel = at.multiselect(key="cx_channel").options[0]
    at.multiselect(key="cx_channel").select(channel).run()
    narrowed = _complaint_count(dash_env, lo, hi, channel)
    assert 0 < narrowed < total
    assert at.metric[0].value == f"{narrowed:,}"
    assert len(tables(at)[0]) == min(size, narrowed)  # a new filter starts again at page 1
    assert set(tables(at)[0]["Channel"]) == {channel}


def test_a_table_of_many_pages_is_paged_with_a_number_box(dash_env, monkeypatch):
    """Beyond ui.PAGE_CHOICES_MAX pages the pager is a number box (a select box would ship every page
    number to the browser), and it walks the same rows."""
    from dashboards import ui

    monkeypatch.setattr(ui, "PAGE_CHOICES_MAX", 2)
    at = signed_in("analyst", lang="en")
    at.switch_page("pages/complaints.py").run()
    _every_month(at, "cx_months")
    lo, hi = at.selectbox(key="cx_months_from").value, at.selectbox(key="cx_months_to").value
    assert [n.key for n in at.number_input] == ["cx_page"]
    assert "cx_page" not in [s.key for s in at.selectbox]
    assert _every_page(at, "cx_page")["Complaint id"].tolist() == _complaint_ids(dash_env, lo, hi)


def test_hostile_description_is_plain_text(dash_env):
    at = signed_in("analyst", lang="en")
    at.switch_page("pages/complaints.py").run()
    _every_month(at, "cx_months")
    assert at.selectbox(key="cx_pick").value is None and not at.text  # a description only once chosen
    at.selectbox(key="cx_pick").set_value(HOSTILE_ID).run()
    assert HOSTILE_DESCRIPTION in [t.value for t in at.text]
    frame = tables(at)[0]
    assert HOSTILE_DESCRIPTION in set(frame["Description"])
    assert all("<script>" not in m.value for m in at.markdown)


def test_regulator_sees_only_public_sanctions(dash_env, monkeypatch):
    from dashboards import ui

    con = duckdb.connect(str(dash_env.warehouse), read_only=True)
    latest = con.execute(
        "SELECT merchant_id, tier FROM marts.rpt_merchant_enforcement WHERE as_of_date = "
        "(SELECT max(as_of_date) FROM marts.rpt_merchant_enforcement) "
        "ORDER BY tier DESC, serious_points DESC, general_points DESC, merchant_id").df()
    con.close()
    tiers = latest["tier"]
    reg = signed_in("regulator", lang="en")
    reg.switch_page("pages/merchants.py").run()
    assert not reg.exception
    shown = _every_page(reg, "mx_page") if (tiers >= 1).any() else pd.DataFrame({"Tier": []})
    assert len(shown) == int((tiers >= 1).sum())
    assert (shown["Tier"] >= 1).all()
    assert not [f for f in reg.get("form")], "regulators get no decision form"
    man = signed_in("manager", lang="en")
    offered = {}
    real = ui.download_buttons
    monkeypatch.setattr(ui, "download_buttons", lambda df, name, *a, **k: (offered.__setitem__(name, k),
                                                                           real(df, name, *a, **k)))
    man.switch_page("pages/merchants.py").run()
    size = ui.TABLE_PAGE_SIZE
    # the list's downloads hold every listed merchant, not the page on screen
    assert offered["enforcement_list"]["rows"] == len(tiers)
    assert offered["enforcement_list"]["everything"]()["merchant_id"].tolist() == latest["merchant_id"].tolist()
    assert len(tiers) > size, "the sample must need more than one page for this test to mean anything"
    assert len(tables(man)[0]) == size  # one page on screen
    # every merchant once, most serious first, over the pages; the choice offers all of them
    assert _every_page(man, "mx_page")["Merchant id"].tolist() == latest["merchant_id"].tolist()
    assert [o.split(" ")[0] for o in man.selectbox(key="mx_pick").options] == latest["merchant_id"].tolist()


def test_merchant_drill_down_builds_only_the_open_tab(dash_env):
    """Opening the page sends the list only; choosing a merchant sends its drill-down with one tab;
    another tab's table is built when it is opened."""
    at = signed_in("manager", lang="en")
    at.switch_page("pages/merchants.py").run()
    def first_columns():
        return [d.columns[0] for d in tables(at)]
    # nothing chosen yet: the list, no drill-down (no tabs, metrics, chart or decision form)
    assert first_columns() == ["As of"]
    assert not at.tabs and not at.metric and not charts(at) and not at.get("form")
    assert at.selectbox(key="mx_pick").value is None
    assert "Choose a merchant to see its evidence, KPI trend and management decision." in [c.value for c in at.caption]
    listed = tables(at)[0]
    at.selectbox(key="mx_pick").set_value(listed["Merchant id"].iloc[0]).run()
    assert not at.exception
    assert [x.label for x in at.tabs][:3] == ["Evidence timeline", "KPI trend of this merchant",
                                              "Complaints behind the points"]
    assert len(at.metric) == 3
    assert first_columns() == ["As of", "Evidence id"]
    at.session_state["mx_tab"] = "Complaints behind the points"
    at.run()
    assert not at.exception
    assert first_columns() == ["As of", "Complaint id"]
    at.session_state["mx_tab"] = "KPI trend of this merchant"
    at.run()
    assert first_columns() == ["As of"] and len(charts(at)) == 1


def test_data_quality_sends_headline_figures_and_only_the_open_tab(dash_env):
    at = signed_in("analyst", lang="en")
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception
    assert "Files not reconciled" in [m.label for m in at.metric]
    assert len(tables(at)) == 1 and "Run id" in tables(at)[0].columns
    assert not charts(at)
    at.session_state["dq_tab"] = "Quarantine reasons"
    at.run()
    assert len(tables(at)) == 1 and "Rule" in tables(at)[0].columns
    assert len(charts(at)) == 1
    at.session_state["dq_tab"] = "Great Expectations results"
    at.run()
    assert len(tables(at)) == 1 and "Expectation" in tables(at)[0].columns


def test_overview_builds_the_headline_and_only_the_open_tab(dash_env):
    at = signed_in("analyst", lang="en")  # lands on the overview
    assert not at.exception and len(at.metric) >= 4
    assert len(charts(at)) == 1 and not tables(at)  # the trend only
    at.session_state["ov_tab"] = "Every KPI: target and breach state"
    at.run()
    assert not at.exception
    assert len(charts(at)) == 1 and len(tables(at)) == 1
    assert "State" in tables(at)[0].columns


def test_manager_decision_needs_reason_and_is_recorded(dash_env):
    from dagster_project.state import connect_state
    from dagster_project.state.decisions import decision_history

    at = signed_in("manager", lang="en")
    at.switch_page("pages/merchants.py").run()
    listed = tables(at)[0]
    merchant = listed.loc[listed["Tier"] >= 1, "Merchant id"].iloc[0]
    computed = int(listed.loc[listed["Merchant id"] == merchant, "Tier"].iloc[0])
    at.selectbox(key="mx_pick").set_value(merchant).run()
    at.radio(key="mx_decision").set_value("dismiss")
    submit = next(b for b in at.button if b.label == "Submit")
    submit.click().run()
    assert any("reason" in e.value for e in at.error)
    con = connect_state(dash_env.state_db)
    assert decision_history(con, merchant) == []
    at.radio(key="mx_decision").set_value("dismiss")
    at.text_area(key="mx_reason").input("evidence was a test order")
    next(b for b in at.button if b.label == "Submit").click().run()
    assert not at.exception
    history = decision_history(con, merchant)
    con.close()
    assert [(h["decision"], h["computed_tier"], h["decided_tier"], h["decided_by"]) for h in history] == [
        ("dismiss", computed, 0, "manager")]
    assert any(s.value == "Decision recorded." for s in at.success)


def test_lockout_after_five_failures_survives_a_new_session(dash_env):
    from dagster_project.state import connect_state
    from dagster_project.state.users import add_user, clear_failures

    add_user(dash_env.users_file, "victim", "analyst", password_of("victim"), replace=True)
    for _ in range(5):
        at = new_app().run()
        sign_in(at, "victim", "guess-guess-guess")
    fresh = new_app().run()
    sign_in(fresh, "victim")
    assert _data_elements(fresh) == 0
    assert any("locked" in e.value or "锁定" in e.value for e in fresh.error)
    assert [e["actor"] for e in _audit(dash_env, "sign_in_locked")].count("victim") >= 1
    con = connect_state(dash_env.state_db)
    clear_failures(con, "victim")
    con.close()
    ok = new_app().run()
    sign_in(ok, "victim")
    assert _data_elements(ok) > 0


def test_sign_out_returns_to_the_sign_in_form(dash_env):
    at = signed_in("admin", lang="en")
    assert _data_elements(at) > 0
    at.sidebar.button(key="sign_out").click().run()
    assert _data_elements(at) == 0
    assert [t.value for t in at.title] == ["Please sign in"]
    assert any(e["actor"] == "admin" for e in _audit(dash_env, "sign_out"))


def test_removed_account_is_signed_out_at_next_run(dash_env):
    from dagster_project.state.users import add_user, remove_user

    add_user(dash_env.users_file, "leaver", "manager", password_of("leaver"), replace=True)
    at = signed_in("leaver", lang="en")
    assert _data_elements(at) > 0
    remove_user(dash_env.users_file, "leaver")
    at.run()
    assert _data_elements(at) == 0


def test_audit_page_lists_sign_ins(dash_env):
    at = signed_in("admin", lang="en")
    at.switch_page("pages/audit.py").run()
    log = tables(at)[0]
    assert "sign-in" in set(log["Action"])  # the code sign_in, in words
    assert "admin" in set(log["Who"])


def test_oidc_maps_email_to_role_and_refuses_unknown(dash_env, monkeypatch, tmp_path):
    roles = tmp_path / "oidc_roles.json"
    roles.write_text(json.dumps({"Boss@Example.org": "manager"}), encoding="utf-8")
    monkeypatch.setenv("RW_AUTH", "oidc")
    monkeypatch.setenv("RW_OIDC_ROLES", str(roles))
    secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                        "client_id": "id", "client_secret": "s",
                        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}

    out = new_app()
    out.secrets.update(secrets)
    out.user = {"is_logged_in": False}
    out.run()
    assert _data_elements(out) == 0 and not out.get("text_input")

    stranger = new_app()
    stranger.secrets.update(secrets)
    stranger.user = {"is_logged_in": True, "email": "nobody@example.org"}
    stranger.run()
    assert _data_elements(stranger) == 0 and stranger.error

    boss = new_app()
    boss.secrets.update(secrets)
    boss.user = {"is_logged_in": True, "email": "boss@example.org"}
    boss.session_state["lang"] = "en"
    boss.run()
    assert not boss.exception
    assert {p["script_path"].rsplit("/", 1)[-1] for p in boss._registered_pages.values()} == {
        p.path.rsplit("/", 1)[-1] for p in PAGES if "manager" in p.roles}


def test_months_are_real_dates(dash_env):
    from dashboards import queries

    months = queries.kpi_months()
    assert months and all(isinstance(m, date) for m in months)


def _built_report(dash_env, period: str, built_by: str = "system") -> Path:
    """A report folder with a genuinely signed manifest (the installation's key), recorded as built."""
    from dagster_project.reports import manifest as mf
    from dagster_project.state import approvals, connect_state

    report_dir = dash_env.root / "reports" / period
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "kpis.csv").write_text("kpi_code,value\ncomplaint_resolved_rate,0.93\n", encoding="utf-8-sig")
    (report_dir / "rightswatch.pdf").write_bytes(b"%PDF-1.4 stand-in")
    mf.write_manifest(report_dir, {
        "period": period, "period_kind": "month", "period_start": f"{period}-01", "period_end": f"{period}-28",
        "kpi_month": f"{period}-01", "language": "en", "cutoff_at_utc": "2026-10-31T15:59:59",
        "cutoff_local": "2026-10-31T23:59:59", "reporting_tz": "Asia/Shanghai",
        "generated_at_utc": "2026-11-01T00:00:00Z", "run_id": "r1", "source": "published", "configuration": {},
        "data_quality": {"deliverable": True}}, mf.signing_key(dash_env.warehouse))
    con = connect_state(dash_env.state_db)
    try:
        approvals.record_built(con, period, kind="month", report_dir=str(report_dir), built_by=built_by,
                               cutoff_at="2026-10-31T15:59:59", manifest_sha256="0" * 64, run_id="r1")
    finally:
        con.close()
    return report_dir


def _report_status(dash_env, period: str) -> dict:
    from dagster_project.state import approvals, connect_state

    con = connect_state(dash_env.state_db)
    try:
        return approvals.get_report(con, period)
    finally:
        con.close()


def test_manager_approves_and_rejects_reports_with_reason(dash_env):
    _built_report(dash_env, "2026-08")
    _built_report(dash_env, "2026-09")
    at = signed_in("manager", lang="en")
    at.switch_page("pages/approvals.py").run()
    assert not at.exception
    assert set(tables(at)[0]["period"]) >= {"2026-08", "2026-09"}
    at.selectbox(key="ap_period").set_value("2026-09").run()
    assert "complaint_resolved_rate" in set(tables(at)[2]["KPI code"])
    reject = next(b for b in at.button if b.label == "Reject")
    reject.click().run()
    assert any("reason" in e.value for e in at.error)
    assert _report_status(dash_env, "2026-09")["status"] == "built"
    at.text_area(key="ap_reason").input("figures for region 上海 look wrong")
    next(b for b in at.button if b.label == "Reject").click().run()
    assert _report_status(dash_env, "2026-09")["status"] == "rejected"
    at.selectbox(key="ap_period").set_value("2026-08").run()
    next(b for b in at.button if b.label == "Approve").click().run()
    report = _report_status(dash_env, "2026-08")
    assert (report["status"], report["approved_by"]) == ("approved", "manager")


def test_four_eyes_error_is_shown_not_raised(dash_env):
    _built_report(dash_env, "2026-07", built_by="admin")
    at = signed_in("admin", lang="en")
    at.switch_page("pages/approvals.py").run()
    at.selectbox(key="ap_period").set_value("2026-07").run()
    next(b for b in at.button if b.label == "Approve").click().run()
    assert not at.exception
    assert any("Refused" in e.value for e in at.error)
    assert any("four eyes" in x.value for x in at.text)
    assert _report_status(dash_env, "2026-07")["status"] == "built"


def test_report_files_are_offered_only_after_the_manifest_verifies(dash_env):
    report_dir = _built_report(dash_env, "2026-06")
    at = signed_in("manager", lang="en")
    at.switch_page("pages/approvals.py").run()
    at.selectbox(key="ap_period").set_value("2026-06").run()
    assert any("Manifest verified" in s.value for s in at.success)
    assert [b.label for b in at.get("download_button")].count("rightswatch.pdf") == 1
    (report_dir / "kpis.csv").write_text("kpi_code,value\ncomplaint_resolved_rate,0.99\n", encoding="utf-8-sig")
    at.run()
    assert any("did not verify" in e.value for e in at.error)
    assert any("kpis.csv" in x.value and "SHA-256" in x.value for x in at.text)
    assert "rightswatch.pdf" not in [b.label for b in at.get("download_button")]
    assert "complaint_resolved_rate" not in " ".join(str(d) for d in tables(at))
    assert next(b for b in at.button if b.label == "Approve").disabled


def test_sent_report_acknowledged_from_the_page(dash_env):
    from dagster_project.state import approvals, connect_state

    _built_report(dash_env, "2026-05")
    con = connect_state(dash_env.state_db)
    try:
        approvals.approve(con, "2026-05", "manager")
        approvals.mark_sent(con, "2026-05")
    finally:
        con.close()
    at = signed_in("admin", lang="zh")
    at.switch_page("pages/approvals.py").run()
    at.selectbox(key="ap_period").set_value("2026-05").run()
    at.text_input(key="ap_ack_note").input("监管回执编号 42")
    next(b for b in at.button if b.label == "记录监管机构已确认收到").click().run()
    assert not at.exception
    report = _report_status(dash_env, "2026-05")
    assert (report["status"], report["acknowledged_by"]) == ("acknowledged", "admin")
    assert any(e["action"] == "report_acknowledged" and "42" in (e["detail"] or "")
               for e in _audit(dash_env, "report_acknowledged"))


@pytest.mark.parametrize("role", ["manager", "admin", "regulator"])
def test_warm_pages_run_in_under_a_second(dash_env, role):
    """Server-side script time of each page once the cache is warm (median of three reruns)."""
    import statistics
    import time

    at = signed_in(role, lang="en")
    for spec in PAGES:
        if role not in spec.roles:
            continue
        at.switch_page(spec.path).run()
        times = []
        for _ in range(3):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        assert not at.exception
        assert statistics.median(times) < 1.0, (spec.page_id, times)


@pytest.fixture(scope="module")
def integrity_rows(dash_data):
    """The sample has no unreadable entry or override: plant one of each in the published copy (the
    marts' columns are the published contract, so a row fits only if the tables are as built)."""
    plant_integrity_rows(dash_data.warehouse)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_quality_page_shows_landing_issues_blocks_and_overrides(dash_env, integrity_rows, lang):
    at = signed_in("regulator", lang=lang)
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception
    labels = {"zh": ("阻断的交付与放行", "未读取的落地条目", "未读取的落地条目（当前）", "人工放行记录"),
              "en": ("Blocked deliveries and overrides", "Landing entries not read", "Landing entries not read (now)",
                     "Overrides of blocked deliveries")}[lang]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[labels[2]] == "1"  # headline: the planted GBK-named entry is still present
    at.session_state["dq_tab"] = labels[0]
    at.run()
    assert not at.exception and labels[3] in [s.value for s in at.subheader]
    cells = {str(v) for df in tables(at) for v in df.to_numpy().ravel()}
    assert OVERRIDE_BY in cells and OVERRIDE_REASON in cells
    at.session_state["dq_tab"] = labels[1]
    at.run()
    cells = {str(v) for df in tables(at) for v in df.to_numpy().ravel()}
    assert LANDING_ISSUE_PATH in cells


def test_interactive_views_are_each_readers_choice(dash_env):
    """By default the server sends finished tables and chart images (no data grid, no Vega-Lite for the
    browser to run); the sidebar toggle gives this session the interactive ones, with the same rows."""
    from dashboards.static_view import INTERACTIVE_KEY

    at = signed_in("analyst", lang="en")
    assert not at.dataframe and not at.get("vega_lite_chart")
    assert len(chart_svgs(at)) == 1 and "monthly trend" in chart_svgs(at)[0]
    toggle = at.toggle(key=INTERACTIVE_KEY)
    assert toggle.value is False and toggle.label == "Interactive tables and charts"
    toggle.set_value(True).run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1 and not chart_svgs(at)

    static = signed_in("analyst", lang="en")
    static.switch_page("pages/complaints.py").run()
    grid = signed_in("analyst", lang="en", interactive=True)
    grid.switch_page("pages/complaints.py").run()
    assert not static.dataframe and len(chart_svgs(static)) == 1
    assert len(grid.dataframe) == 1 and len(grid.get("vega_lite_chart")) == 1 and not chart_svgs(grid)
    static_ids = tables(static)[0]["Complaint id"].tolist()
    assert static_ids and grid.dataframe[0].value["Complaint id"].tolist() == static_ids


def test_a_long_server_built_table_says_it_is_cut_and_the_download_keeps_every_row(dash_env, monkeypatch):
    from dashboards import ui

    at = signed_in("analyst", lang="en")
    at.session_state["ov_tab"] = "Every KPI: target and breach state"
    at.run()
    rows = len(tables(at)[0])
    assert rows > 3
    assert not any("Showing the first" in c.value for c in at.caption)
    downloaded = {}
    real = ui.download_buttons
    monkeypatch.setattr(ui, "download_buttons", lambda df, name, *a, **k: (downloaded.__setitem__(name, df),
                                                                           real(df, name, *a, **k)))
    monkeypatch.setattr(ui, "STATIC_ROW_LIMIT", 3)
    at.run()
    assert len(tables(at)[0]) == 3
    assert f"Showing the first 3 of {rows:,} rows" in " ".join(c.value for c in at.caption)
    assert len(downloaded["kpi_monthly"]) == rows
