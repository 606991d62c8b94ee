"""Regulator reports on a real build (generated sample data, the real pipeline): the files hold the
marts' figures, and a month's report rebuilt after later deliveries is byte-identical."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader
from test_reports_support import read_csv

from dagster_project.reports.build import build_report
from dagster_project.reports.data import format_value
from dagster_project.reports.periods import month_period
from tests.conftest import build_env, run_cli

pytestmark = pytest.mark.slow


def _complete_month(warehouse: Path):
    """The latest month the published cut-off covers entirely (local time)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        local = con.execute("select max(timezone('Asia/Shanghai', timezone('UTC', cutoff_at))) "
                            "from marts.rpt_kpi_monthly").fetchone()[0]
    day = local.date()
    if (day + timedelta(days=1)).day != 1:
        day = day.replace(day=1) - timedelta(days=1)
    return month_period(day.year, day.month)


def _private_copy(sample_build, tmp_path, monkeypatch) -> Path:
    """The sample's published and work files copied, so the report's state file stays ours."""
    folder = tmp_path / "warehouse"
    folder.mkdir()
    for src in (sample_build.warehouse, sample_build.work_db):
        shutil.copy(src, folder / src.name)
    for name, value in sample_build.env.items():
        if name.startswith("RW_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("RW_REPORT_SIGNING_KEY", raising=False)
    monkeypatch.setenv("RW_WAREHOUSE", str(folder / sample_build.warehouse.name))
    monkeypatch.setenv("RW_REPORTS", str(tmp_path / "reports"))
    return folder / sample_build.warehouse.name


def test_sample_report_files_hold_the_marts_figures(sample_build, tmp_path, monkeypatch):
    warehouse = _private_copy(sample_build, tmp_path, monkeypatch)
    period = _complete_month(warehouse)
    result = build_report(period, lang="zh")
    assert result.source == "published" and result.blockers == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kpis = con.execute("""select k.kpi_code, d.name_zh, d.unit, k.value from marts.rpt_kpi_monthly k
                              join marts.rpt_kpi_definitions d using (kpi_code)
                              where k.merchant_id is null and k.month = ?""", [period.start]).fetchall()
    assert len(kpis) >= 20
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in
                                      PdfReader(str(result.report_dir / f"rightswatch_{period.key}.pdf")).pages))
    for code, name_zh, unit, value in kpis:
        assert re.sub(r"\s+", "", name_zh) in text, code
        assert format_value(value, "num", "zh", unit).replace(" ", "") in text, code
    wb = openpyxl.load_workbook(result.report_dir / f"rightswatch_{period.key}.xlsx")
    ws = wb["核心指标"]
    header = [c.value for c in ws[1]]
    cells = {row[0].value: row[header.index("本月值")] for row in ws.iter_rows(min_row=2)}
    for code, _name, _unit, value in kpis:
        if value is None:
            assert cells[code].value is None
        else:
            assert cells[code].data_type == "n" and cells[code].value == pytest.approx(value), code
    rows = read_csv(result.report_dir / "csv" / "kpis_gb18030.csv", "gb18030")
    assert rows == read_csv(result.report_dir / "csv" / "kpis_utf8.csv", "utf-8-sig")
    assert len(rows) == len(kpis) + 1


def test_report_rebuilt_after_later_deliveries_is_identical(tmp_path, monkeypatch):
    """Deliveries up to day D are loaded and the month's report is built with cut-off D; then later
    deliveries arrive and change that month's published figures; rebuilding the month's report with
    the same cut-off (dbt as of D on a copy of the work file) gives the same CSV and XLSX bytes."""
    full = tmp_path / "full"
    env = build_env(tmp_path)
    run_cli("generate", "--out", str(full), env=env)
    days = sorted({d.name for src in full.iterdir() if not src.name.startswith("_") for d in src.iterdir()})
    first_days = days[:-2]
    landing = Path(env["RW_LANDING"])
    for src in full.iterdir():
        if src.name.startswith("_"):
            continue
        for day in src.iterdir():
            if day.name in first_days:
                shutil.copytree(day, landing / src.name / day.name)
    run_cli("run", env=env)
    for name, value in env.items():
        if name.startswith("RW_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("RW_REPORT_SIGNING_KEY", raising=False)
    warehouse = Path(env["RW_WAREHOUSE"])
    last = first_days[-1]
    period = month_period(int(last[:4]), int(last[5:7]))
    cutoff = last  # end of the last delivery day loaded: the published cut-off
    first = build_report(period, lang="both", out_dir=tmp_path / "first", cutoff=cutoff)
    assert first.source == "published"

    def figures():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select kpi_code, merchant_id, value, pending_count from marts.rpt_kpi_monthly "
                               "where month = ? order by all", [period.start]).fetchall()

    before = figures()
    for src in full.iterdir():
        if src.name.startswith("_"):
            continue
        for day in src.iterdir():
            if day.name not in first_days:
                shutil.copytree(day, landing / src.name / day.name)
    run_cli("run", env=env)
    assert figures() != before, "the later deliveries should have changed the month's published figures"

    again = build_report(period, lang="both", out_dir=tmp_path / "again", cutoff=cutoff)
    assert again.source == "as_of_rebuild"
    assert again.manifest["cutoff_at_utc"] == first.manifest["cutoff_at_utc"]
    a = {p.name: p.read_bytes() for p in sorted((first.report_dir / "csv").iterdir())}
    b = {p.name: p.read_bytes() for p in sorted((again.report_dir / "csv").iterdir())}
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    xlsx = f"rightswatch_{period.key}.xlsx"
    assert (first.report_dir / xlsx).read_bytes() == (again.report_dir / xlsx).read_bytes()


def test_sample_report_lists_every_published_kpi_in_the_dictionary_order(sample_build, tmp_path, monkeypatch):
    """On a real build the headline table follows rpt_kpi_definitions.sort_order (published by dbt
    under its contract) and holds the privacy KPIs, which no Python list names."""
    from dagster_project.reports.data import load_report

    warehouse = _private_copy(sample_build, tmp_path, monkeypatch)
    period = _complete_month(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = [c for (c,) in con.execute("""
            select d.kpi_code from marts.rpt_kpi_definitions d
            where exists (select 1 from marts.rpt_kpi_monthly k where k.kpi_code = d.kpi_code
                          and k.merchant_id is null and k.month = ?)
            order by d.sort_order""", [period.start]).fetchall()]
        listed = [r["kpi_code"] for r in load_report(con, period, "en").section("kpis").rows]
    assert listed == expected
    assert "privacy_request_count" in listed and listed.index("privacy_request_count") > listed.index(
        "complaint_first_response_24h_rate")
