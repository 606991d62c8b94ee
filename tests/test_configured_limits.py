"""A limit changed once in RW_CONFIG reaches every consumer: the complaints page and the regulator
report state the first-response limit the build used (12 h here, not the dictionary's default 24 h)
and show the published KPI value from marts.rpt_kpi_monthly, never a figure recomputed elsewhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader

from dagster_project.reports.build import build_report
from dagster_project.reports.data import format_value
from dagster_project.reports.periods import month_period
from dagster_project.state.users import add_user
from tests.dashboards.shown import charts

pytestmark = pytest.mark.slow

CODE = "complaint_first_response_24h_rate"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))


def _published(warehouse: Path, month: date) -> tuple[float, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        value = con.execute("select value from marts.rpt_kpi_monthly where kpi_code = ? and merchant_id is null "
                            "and month = ?", [CODE, month]).fetchone()[0]
        recorded = con.execute("select value from marts.rpt_kpi_config "
                               "where var_name = 'rw_first_response_hours'").fetchone()[0]
    return value, recorded


def _latest_month(warehouse: Path) -> date:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select max(month) from marts.rpt_kpi_monthly where kpi_code = ? and value is not null",
                           [CODE]).fetchone()[0]


def test_published_dictionary_names_the_limit_in_force(sample_build_12h):
    """dbt renders the names from the vars of the build; pages and reports print them as they stand."""
    with duckdb.connect(str(sample_build_12h.warehouse), read_only=True) as con:
        names = con.execute("select kpi_code, name_zh, name_en from marts.rpt_kpi_definitions").fetchall()
    by_code = {code: (zh, en) for code, zh, en in names}
    assert by_code[CODE] == ("投诉12小时首次响应率", "Complaint first response within 12 h rate")
    # limits left at their defaults keep the dictionary's words, the law's 七日 included
    assert by_code["nrr_refusal_rate"] == ("七日无理由退货拒绝率", "7-day no-reason return refusal rate")
    assert by_code["refund_over_15d_count"] == ("超15日未退款件数", "Refunds later than 15 days")


def test_kpi_name_unit_test_passes(sample_build_12h, tmp_path):
    """dbt unit test kpi_names_state_the_limits_in_force (dbt/models/intermediate/kpi/_kpi__unit_tests.yml):
    every limit var overridden, every name in both languages; run on a copy of the work database."""
    shutil.copyfile(sample_build_12h.work_db, tmp_path / "rightswatch.work.duckdb")
    env = {**sample_build_12h.env, "RW_WAREHOUSE": str(tmp_path / "rightswatch.duckdb")}
    proc = subprocess.run([DBT, "test", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs"), "--select", "test_type:unit,int_kpi__definitions"],
                          cwd=PROJECT_ROOT / "dbt", env=env, capture_output=True, text=True, timeout=600)
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    assert proc.returncode == 0, log[-4000:]
    assert re.search(r"PASS\s+int_kpi__definitions::kpi_names_state_the_limits_in_force", log), log[-4000:]


def test_report_states_12h_and_the_marts_value(sample_build_12h, tmp_path, monkeypatch):
    for name, value in sample_build_12h.env.items():
        if name.startswith("RW_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("RW_REPORT_SIGNING_KEY", raising=False)
    monkeypatch.setenv("RW_REPORTS", str(tmp_path / "reports"))
    month = _latest_month(sample_build_12h.warehouse)
    value, recorded = _published(sample_build_12h.warehouse, month)
    assert recorded == "12"
    for lang, name in (("zh", "投诉12小时首次响应率"), ("en", "Complaint first response within 12 h rate")):
        result = build_report(month_period(month.year, month.month), lang=lang, out_dir=tmp_path / lang)
        stem = f"rightswatch_{result.period.key}"
        pdf = "\n".join(page.extract_text() for page in PdfReader(str(result.report_dir / f"{stem}.pdf")).pages)
        flat = pdf.replace("\n", "").replace(" ", "")
        assert name.replace(" ", "") in flat
        # the legal basis still quotes its own 24 h rule: only the KPI's name must change
        assert "投诉24小时首次响应率" not in flat and "firstresponsewithin24h" not in flat
        sheet = openpyxl.load_workbook(result.report_dir / f"{stem}.xlsx")
        cells = [c for ws in sheet.worksheets for row in ws.iter_rows(values_only=True) for c in row]
        assert name in cells
        assert not any(isinstance(c, str) and ("投诉24小时首次" in c or "response within 24 h" in c) for c in cells)
        rows = [row for ws in sheet.worksheets for row in ws.iter_rows(values_only=True) if name in row]
        assert any(value in row for row in rows)  # the platform row carries the mart's value as is
        assert format_value(value, "rate", lang, "rate") in pdf


def test_complaints_page_states_12h_and_the_marts_value(sample_build_12h, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    warehouse = tmp_path / "warehouse" / "rightswatch.duckdb"
    warehouse.parent.mkdir()
    shutil.copy2(sample_build_12h.warehouse, warehouse)
    users = tmp_path / "users.json"
    add_user(users, "analyst", "analyst", "analyst-Pa55word!")
    for key in [k for k in os.environ if k.startswith("RW_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("RW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("RW_USERS_FILE", str(users))
    app = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
    for lang, name, hours in (("zh", "投诉12小时首次响应率", "12 小时"), ("en", "within 12 h", "12 h")):
        at = AppTest.from_file(str(app), default_timeout=90)
        at.session_state["lang"] = lang
        at.run()
        at.text_input(key="sign_in_name").input("analyst")
        at.text_input(key="sign_in_password").input("analyst-Pa55word!")
        at.button[0].click()
        at.run()
        at.switch_page("pages/complaints.py").run()
        assert not at.exception, at.exception
        # the range ends at the newest complaint month: make it the KPI's month
        metric = next(m for m in at.metric if name in m.label)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            hi = con.execute("select max(received_month) from marts.fct_complaints").fetchone()[0]
            shown = con.execute("select value from marts.rpt_kpi_monthly where kpi_code = ? and merchant_id is null "
                                "and month = ?", [CODE, hi]).fetchone()[0]
        assert metric.value == f"{shown * 100:.1f}%"
        chart_text = " ".join(charts(at))
        texts = " ".join([m.label for m in at.metric] + [c.value for c in at.caption]) + chart_text
        assert hours in chart_text  # the histogram names the limit its red rule marks
        assert not any(f"24{gap}{unit}" in texts for gap in ("", " ") for unit in ("h", "小时"))
