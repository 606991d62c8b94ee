"""Regulator reports built from a small published warehouse: the files are read back and compared
with the marts; manifest, signature, escaping, four-eyes approval and reproducibility."""

from __future__ import annotations

import json
import re
import shutil
import stat
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from test_reports_support import CUTOFF, KPI_DEFS, make_marts, read_csv

from dagster_project.reports import build as build_mod
from dagster_project.reports import manifest as mf
from dagster_project.reports.build import build_report
from dagster_project.reports.data import format_value, load_report
from dagster_project.reports.periods import parse_period
from dagster_project.reports.text import cell_text
from dagster_project.state import approvals
from dagster_project.state.audit import read_audit_log
from dagster_project.state.db import connect_state

JAN = parse_period("2026-01")


@pytest.fixture
def env(tmp_path, monkeypatch):
    warehouse = make_marts(tmp_path / "warehouse" / "rightswatch.duckdb")
    for name in ("RW_REPORT_SIGNING_KEY", "RW_REPORT_AUTO_SEND", "RW_CONFIG", "RW_REPORT_DELIVERY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("RW_REPORTS", str(tmp_path / "reports"))
    return tmp_path


def _pdf_text(path: Path) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(str(path)).pages))


def _platform_kpis(warehouse: Path) -> dict[str, float]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute("select kpi_code, value from marts.rpt_kpi_monthly "
                                "where merchant_id is null and month = '2026-01-01'").fetchall())


def test_pdf_holds_chinese_kpi_names_and_the_marts_values(env):
    result = build_report(JAN, lang="zh")
    text = _pdf_text(result.report_dir / "rightswatch_2026-01.pdf")
    values = _platform_kpis(env / "warehouse" / "rightswatch.duckdb")
    for code, name_zh, _en, _right, unit, _t, _op in KPI_DEFS:
        assert name_zh in text, name_zh
        assert format_value(values[code], "num", "zh", unit).replace(" ", "") in text, code
    assert "数据截止时间" in text and "2026-01-3123:59:59" in text
    assert "□" not in text
    assert "91.23%" in text  # 0.9123 shown as a percentage
    # a rate's change from the previous month is a difference in percentage points (0.95 vs 0.91)
    assert "+4.00个百分点" in text
    assert "+4.00%" not in text


def test_english_pdf_has_english_names(env):
    result = build_report(JAN, lang="en")
    text = _pdf_text(result.report_dir / "rightswatch_2026-01.pdf")
    assert "Complaintresolvedrate" in text
    assert "+4.00pp" in text
    assert "投诉解决率" not in text


def test_xlsx_types_values_and_frozen_headers(env):
    result = build_report(JAN, lang="both")
    wb = openpyxl.load_workbook(result.report_dir / "rightswatch_2026-01.xlsx")
    values = _platform_kpis(env / "warehouse" / "rightswatch.duckdb")
    ws = wb["核心指标"]
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    assert headers[:2] == ["指标代码 / KPI code", "指标 / KPI"]
    col = headers.index("本月值 / Value")
    seen = {}
    for row in ws.iter_rows(min_row=2):
        assert row[col].data_type == "n"
        seen[row[0].value] = row[col].value
    assert seen == pytest.approx(values)
    assert ws.column_dimensions["B"].width > 20  # fitted to the long KPI names
    enforcement = wb["本期执法措施"]
    assert enforcement.freeze_panes == "A2"
    heads = [c.value for c in enforcement[1]]
    row = [c for c in enforcement[2]]
    reached = row[heads.index("首次达到日期 / Tier first reached on")]
    assert reached.is_date and reached.value == datetime(2026, 1, 20)
    assert row[heads.index("等级 / Tier")].data_type == "n"
    name = row[heads.index("商家名称 / Merchant name")]
    assert name.data_type == "s" and name.value.startswith("'=HYPERLINK")
    reasons = row[heads.index("主要原因 / Top reasons")].value
    assert "\n" not in reasons
    about = wb["说明"]
    assert about.freeze_panes == "A2"
    assert datetime(2026, 1, 31, 23, 59, 59) in [c.value for c in about["B"] if c.is_date]


def test_csv_in_both_encodings_same_table(env):
    result = build_report(JAN, lang="zh")
    utf8 = result.report_dir / "csv" / "kpis_utf8.csv"
    gb = result.report_dir / "csv" / "kpis_gb18030.csv"
    assert utf8.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not gb.read_bytes().startswith(b"\xef\xbb\xbf")
    rows_utf8, rows_gb = read_csv(utf8, "utf-8-sig"), read_csv(gb, "gb18030")
    assert rows_utf8 == rows_gb
    assert rows_utf8[0][:2] == ["指标代码", "指标"]
    values = _platform_kpis(env / "warehouse" / "rightswatch.duckdb")
    col = rows_utf8[0].index("本月值")
    assert {r[0]: float(r[col]) for r in rows_utf8[1:]} == pytest.approx(values)
    enforcement = read_csv(result.report_dir / "csv" / "enforcement_gb18030.csv", "gb18030")
    name = enforcement[0].index("商家名称")
    assert enforcement[1][name] == "'=HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize("raw, expected", [
    ("=1+1", "'=1+1"), ("+86 123", "'+86 123"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("line\nbreak\tand\x07bell", "line break andbell"), ("正常文本", "正常文本"), ("\n=cmd", "'=cmd"),
])
def test_cell_text_is_never_a_formula(raw, expected):
    assert cell_text(raw) == expected


def test_manifest_lists_every_file_and_is_signed(env):
    result = build_report(JAN, lang="both", run_id="run-42")
    folder = result.report_dir
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and p.name != "manifest.json")
    assert [f["path"] for f in manifest["files"]] == on_disk
    for entry in manifest["files"]:
        assert mf.file_sha256(folder / entry["path"]) == entry["sha256"]
        assert (folder / entry["path"]).stat().st_size == entry["bytes"]
    assert manifest["period"] == "2026-01" and manifest["run_id"] == "run-42"
    assert manifest["cutoff_at_utc"] == CUTOFF.isoformat()
    assert manifest["configuration"]["rw_first_response_target"] == 0.95
    dq = manifest["data_quality"]
    assert dq["deliverable"] is True and dq["blockers"] == []
    assert dq["sources"][0] == {"source": "orders", "files": 2, "rows_read": 200, "rows_loaded": 196,
                                "rows_quarantined": 4, "unreconciled_files": 0}
    assert dq["failed_checks"][0]["severity"] == "warn"
    # the Ed25519 key was generated beside the warehouse, private, and signs the manifest
    key_file = env / "warehouse" / "rightswatch.report-ed25519.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    own = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_file.read_text().strip()))
    assert manifest["signature"]["algorithm"] == "Ed25519"
    assert mf.verify(folder, own.public_key()) == []
    other = Ed25519PrivateKey.generate().public_key()
    assert mf.verify(folder, other)[0].startswith("manifest.json: signed with another key")


def test_tampering_fails_verify_naming_the_file(env, capsys):
    from dagster_project.cli import main

    result = build_report(JAN)
    folder = result.report_dir
    assert main(["report", "verify", str(folder)]) == 0
    csv_file = folder / "csv" / "kpis_utf8.csv"
    csv_file.write_bytes(csv_file.read_bytes().replace(b"0.9123", b"0.9923"))
    assert main(["report", "verify", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "csv/kpis_utf8.csv: SHA-256 differs" in err


def test_editing_the_manifest_breaks_the_signature(env):
    folder = build_report(JAN).report_dir
    data = json.loads((folder / "manifest.json").read_text())
    data["cutoff_local"] = "2026-02-28T23:59:59"
    (folder / "manifest.json").write_text(json.dumps(data))
    problems = mf.verify(folder, mf.signing_key(env / "warehouse" / "rightswatch.duckdb").public_key())
    assert problems == ["manifest.json: signature does not match its content (manifest changed)"]
    (folder / "extra.txt").write_text("x")
    (folder / "csv" / "rights_utf8.csv").unlink()
    problems = mf.verify(folder, mf.signing_key(env / "warehouse" / "rightswatch.duckdb").public_key())
    assert "csv/rights_utf8.csv: missing" in problems and "extra.txt: not listed in the manifest" in problems


def test_configured_signing_key_is_used(env, monkeypatch):
    configured = Ed25519PrivateKey.generate()
    monkeypatch.setenv("RW_REPORT_SIGNING_KEY", configured.private_bytes_raw().hex())
    folder = build_report(JAN).report_dir
    assert mf.verify(folder, configured.public_key()) == []
    assert not (env / "warehouse" / "rightswatch.report-ed25519.key").exists()


def test_a_configured_key_that_is_not_ed25519_is_refused_by_name(env, monkeypatch):
    monkeypatch.setenv("RW_REPORT_SIGNING_KEY", "s3cret")
    with pytest.raises(mf.ManifestError, match="RW_REPORT_SIGNING_KEY: expected an Ed25519 private key"):
        build_report(JAN)


def _csv_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "csv").iterdir())}


def test_same_data_same_cutoff_gives_identical_files(env, tmp_path):
    first = build_report(JAN, out_dir=tmp_path / "a", generated_at=datetime(2026, 2, 1, 6, 0))
    second = build_report(JAN, out_dir=tmp_path / "b", generated_at=datetime(2026, 3, 9, 12, 0))
    assert _csv_bytes(first.report_dir) == _csv_bytes(second.report_dir)
    xlsx = "rightswatch_2026-01.xlsx"
    assert (first.report_dir / xlsx).read_bytes() == (second.report_dir / xlsx).read_bytes()
    for name, content in _csv_bytes(first.report_dir).items():
        assert b"2026-02-01" not in content and b"2026-03-09" not in content, name


def test_rebuild_after_later_deliveries_uses_the_recorded_cutoff(env, tmp_path, monkeypatch):
    """Later deliveries move the published marts on; a rebuild of the month reads them as of the cut-off
    recorded at the first build (rebuild_as_of), and the CSV bytes do not change."""
    warehouse = env / "warehouse" / "rightswatch.duckdb"
    first = build_report(JAN)
    original = _csv_bytes(first.report_dir)
    frozen = shutil.copy(warehouse, tmp_path / "as_of_jan.duckdb")  # what dbt rebuilds as of the cut-off
    later = datetime(2026, 2, 10, 15, 59, 59, 999999)
    make_marts(warehouse, cutoff=later, jan_shift=0.01)  # a late delivery changed January's figures
    calls = []

    def fake_rebuild(settings, cutoff_local, workdir=None):
        calls.append(cutoff_local)
        return Path(frozen)

    monkeypatch.setattr(build_mod, "rebuild_as_of", fake_rebuild)
    again = build_report(JAN)
    assert calls == ["2026-01-31 23:59:59.999999"]  # local time of the recorded cut-off
    assert again.source == "as_of_rebuild"
    assert _csv_bytes(again.report_dir) == original
    latest = build_report(JAN, cutoff="latest")  # an explicit restatement takes the new figures
    assert latest.source == "published" and _csv_bytes(latest.report_dir) != original
    assert latest.manifest["cutoff_at_utc"] == later.isoformat()


def test_a_blocked_first_build_does_not_pin_its_cutoff(env, monkeypatch):
    warehouse = env / "warehouse" / "rightswatch.duckdb"
    make_marts(warehouse, cutoff=datetime(2026, 1, 30, 15, 59, 59, 999999))  # January not complete yet
    assert build_report(JAN).blockers
    make_marts(warehouse)  # the last day arrived

    def no_rebuild(*args, **kwargs):
        raise AssertionError("an incomplete build must not pin the period's cut-off")

    monkeypatch.setattr(build_mod, "rebuild_as_of", no_rebuild)
    again = build_report(JAN)
    assert again.source == "published" and again.blockers == []
    assert again.manifest["cutoff_at_utc"] == CUTOFF.isoformat()


def test_four_eyes_approval_and_audit(env):
    build_report(JAN, built_by="alice")
    con = connect_state(env / "warehouse" / "rightswatch.state.sqlite")
    with pytest.raises(approvals.ApprovalError, match="different person"):
        approvals.approve(con, "2026-01", "alice")
    with pytest.raises(approvals.ApprovalError, match="reason"):
        approvals.reject(con, "2026-01", "bob", "  ")
    approvals.reject(con, "2026-01", "bob", "refund figures look wrong")
    assert approvals.get_report(con, "2026-01")["status"] == "rejected"
    with pytest.raises(approvals.ApprovalError):
        approvals.approve(con, "2026-01", "bob")  # a rejected report needs a rebuild
    con.close()
    build_report(JAN, built_by="alice")
    con = connect_state(env / "warehouse" / "rightswatch.state.sqlite")
    row = approvals.approve(con, "2026-01", "bob")
    assert row["status"] == "approved" and row["approved_by"] == "bob" and row["rejected_reason"] is None
    with pytest.raises(approvals.ApprovalError):
        approvals.acknowledge(con, "2026-01", "carol")  # not sent yet
    approvals.mark_sent(con, "2026-01")
    assert approvals.acknowledge(con, "2026-01", "carol")["status"] == "acknowledged"
    actions = [e["action"] for e in read_audit_log(con)][::-1]
    assert actions == ["report_built", "report_rejected", "report_built", "report_approved", "report_sent",
                       "report_acknowledged"]
    listed = approvals.list_reports(con)
    assert listed[0]["period"] == "2026-01" and listed[0]["deliveries"] == []
    con.close()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"pipeline_status": "failed"}, "latest pipeline run run-ok has status failed"),
    ({"failed_error_check": True}, "failed error-severity data check"),
    ({"unreconciled": True}, "unreconciled file"),
    ({"cutoff": datetime(2026, 1, 20, 15, 59, 59)}, "before the end of the period"),
])
def test_incomplete_data_blocks_the_report(env, kwargs, fragment):
    make_marts(env / "warehouse" / "rightswatch.duckdb", **kwargs)
    result = build_report(JAN)
    assert any(fragment in b for b in result.blockers), result.blockers
    assert result.manifest["data_quality"]["deliverable"] is False
    con = connect_state(env / "warehouse" / "rightswatch.state.sqlite")
    with pytest.raises(approvals.ApprovalError, match="incomplete run"):
        approvals.approve(con, "2026-01", "bob")
    con.close()


def test_cli_builds_into_out_dir(env, tmp_path, capsys):
    from dagster_project.cli import main

    assert main(["report", "--month", "2026-01", "--out", str(tmp_path / "out"), "--lang", "en",
                 "--actor", "alice"]) == 0
    assert (tmp_path / "out" / "manifest.json").exists()
    assert main(["report", "--month", "2026-13"]) == 2
    assert main(["report", "approve", "2026-01", "--actor", "alice"]) == 1
    assert main(["report", "approve", "2026-01", "--actor", "bob"]) == 0
    assert "four eyes" in capsys.readouterr().err


def test_weekly_period_folder(env):
    result = build_report(parse_period("2026-W05"))
    assert result.report_dir.name == "2026-W05"
    assert result.manifest["period_start"] == "2026-01-26" and result.manifest["kpi_month"] == "2026-01-01"


def test_kpis_follow_the_published_dictionary_order_and_a_new_kpi_appears(env):
    """The order comes from rpt_kpi_definitions.sort_order, not from a list of codes in Python: moving a
    KPI in the dictionary moves it in the report, and a KPI new to the dictionary is listed."""
    warehouse = Path(env) / "warehouse" / "rightswatch.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.rpt_kpi_definitions set sort_order = 100 - sort_order")
        con.execute("insert into marts.rpt_kpi_definitions select 'brand_new_kpi', '新指标', 'New KPI', "
                    "'compensation', 'received_at', 'count', null, 'monitor', '依据', 'basis', 'def', 50, "
                    "null, null, null")
        con.execute("insert into marts.rpt_kpi_monthly select month, null, 'brand_new_kpi', 3, null, 3, null, "
                    "'monitor', null, 0, 0, cutoff_at from marts.rpt_kpi_monthly where merchant_id is null "
                    "and kpi_code = 'complaint_resolved_rate'")
        expected = [c for (c,) in con.execute("select kpi_code from marts.rpt_kpi_definitions order by sort_order")
                    .fetchall()]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        content = load_report(con, JAN, "en")
    listed = [r["kpi_code"] for r in content.section("kpis").rows]
    assert listed == expected and "brand_new_kpi" in listed
    assert listed != [d[0] for d in KPI_DEFS]  # the reversed order, not the order the fake was written in


def test_topic_sections_come_from_the_published_dictionary(env):
    """Which KPIs a topic section lists, its title and the sections' order are rpt_kpi_definitions'
    report_topic columns (dbt macro kpi_report_topics), not a list of codes in Python:
    moving a KPI to another topic moves it, and a topic new to the dictionary gets its section and page."""
    warehouse = Path(env) / "warehouse" / "rightswatch.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = load_report(con, JAN, "en")
    assert before.topics == ["complaints", "refunds", "price", "qualification"]
    assert {r["kpi_code"] for r in before.section("refunds").rows} == {"refund_within_7d_rate", "nrr_refusal_rate"}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.rpt_kpi_definitions set report_topic = 'returns_watch', "
                    "report_topic_zh = '退货观察', report_topic_en = 'Returns watch' where kpi_code = 'nrr_refusal_rate'")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = load_report(con, JAN, "zh")
    assert after.topics == ["complaints", "refunds", "returns_watch", "price", "qualification"]
    assert [r["kpi_code"] for r in after.section("refunds").rows] == ["refund_within_7d_rate"]
    assert [r["kpi_code"] for r in after.section("returns_watch").rows] == ["nrr_refusal_rate"]
    assert after.section("returns_watch").title("zh") == "退货观察"
    assert after.section("returns_watch_merchants").title("en") == "Returns watch: merchants in breach"
    result = build_report(JAN, lang="en")
    assert "Returnswatch:merchantsinbreach" in _pdf_text(result.report_dir / "rightswatch_2026-01.pdf")
