"""The regulator report's personal-information requests section: the month's requests by type and
channel from marts.rpt_privacy_requests_monthly, with labels in the report's language."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from test_reports_support import make_marts, read_csv

from dagster_project.reports.build import build_report
from dagster_project.reports.periods import parse_period

JAN = parse_period("2026-01")


@pytest.fixture
def env(tmp_path, monkeypatch):
    warehouse = make_marts(tmp_path / "warehouse" / "rightswatch.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""CREATE TABLE marts.rpt_privacy_requests_monthly (month DATE, request_type VARCHAR,
            channel VARCHAR, requests BIGINT, answered_on_time BIGINT, answered_late BIGINT, pending BIGINT,
            open_overdue BIGINT, deletion_overdue BIGINT)""")
        con.execute("""INSERT INTO marts.rpt_privacy_requests_monthly VALUES
            ('2026-01-01', 'deletion', 'hotline', 4, 2, 1, 0, 1, 2),
            ('2026-01-01', 'access', 'in_app', 6, 6, 0, 0, 0, 0),
            ('2025-12-01', 'access', 'email', 9, 9, 0, 0, 0, 0)""")
    for name in ("RW_REPORT_SIGNING_KEY", "RW_REPORT_AUTO_SEND", "RW_CONFIG", "RW_REPORT_DELIVERY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("RW_REPORTS", str(tmp_path / "reports"))
    return tmp_path


def test_privacy_section_in_both_languages(env):
    zh = build_report(JAN, lang="zh")
    rows = read_csv(zh.report_dir / "csv" / "privacy_requests_utf8.csv", "utf-8-sig")
    assert rows[0][:4] == ["请求类型", "渠道", "收到", "按时处理"]
    assert sorted(r[:3] + r[-1:] for r in rows[1:]) == [["删除", "热线", "4", "2"], ["查询/复制", "应用内", "6", "0"]]
    assert read_csv(zh.report_dir / "csv" / "privacy_requests_gb18030.csv", "gb18030") == rows
    en = build_report(JAN, lang="en")
    rows_en = read_csv(en.report_dir / "csv" / "privacy_requests_utf8.csv", "utf-8-sig")
    assert rows_en[0][-1] == "Overdue deletions"
    assert sorted(r[0] for r in rows_en[1:]) == ["Access / copy", "Deletion"]
    workbook = openpyxl.load_workbook(en.report_dir / next(p.name for p in en.report_dir.glob("*.xlsx")))
    assert any("privacy" in name.lower() or "Personal" in name for name in workbook.sheetnames)
