"""Writing a report's content as CSV (UTF-8 with BOM and GB18030), XLSX and PDF with charts.

CSV and XLSX hold no wall-clock time (only the period and the data cut-off), so the same data and
cut-off give the same bytes. Free text goes through ``text.cell_text`` (never a formula) or
``text.clean_text`` (PDF).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dagster_project.reports.data import PERCENT_UNITS, Column, ReportContent, Section, format_value
from dagster_project.reports.fonts import cjk_font_path, matplotlib_font_name
from dagster_project.reports.text import OPERATOR_WORDS, cell_text, clean_text, pick, yes_no

PLATFORM_ZH = "RightsWatch 消费者权益保护监测平台"
PLATFORM_EN = "RightsWatch consumer-rights protection monitoring"


# --------------------------------------------------------------------------------------------- CSV
def _csv_value(value: Any, column: Column, lang: str) -> str:
    if value is None:
        return ""
    if column.kind == "bool":
        return yes_no(bool(value), lang)
    if column.kind == "int":
        return str(int(value))
    if column.kind in ("num", "rate"):
        return format(float(value), ".12g")
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date) else cell_text(value)
    return cell_text(value)


def write_csvs(content: ReportContent, out_dir: Path) -> list[Path]:
    """Each section twice: ``csv/<section>_utf8.csv`` (UTF-8 with BOM) and ``csv/<section>_gb18030.csv``."""
    folder = out_dir / "csv"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for section in content.sections:
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([c.header(content.lang) for c in section.columns])
        for row in section.rows:
            writer.writerow([_csv_value(row.get(c.key), c, content.lang) for c in section.columns])
        text = buf.getvalue()
        for suffix, encoding in (("utf8", "utf-8-sig"), ("gb18030", "gb18030")):
            path = folder / f"{section.code}_{suffix}.csv"
            path.write_bytes(text.encode(encoding))
            written.append(path)
    return written


# -------------------------------------------------------------------------------------------- XLSX
def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_name(section: Section, lang: str, used: set[str]) -> str:
    base = section.title_zh if lang in ("zh", "both") else section.title_en
    for ch in "[]:*?/\\'":
        base = base.replace(ch, " ")
    name = base[:31]
    n = 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


def write_xlsx(content: ReportContent, path: Path) -> Path:
    import xlsxwriter

    fixed = content.cutoff_local or datetime(2000, 1, 1)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    # document properties pinned to the cut-off: no wall-clock time inside the file
    wb.set_properties({"title": f"RightsWatch {content.period.key}", "author": "RightsWatch",
                       "created": fixed})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                          "valign": "top"})
    fmt = {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "int": wb.add_format({"num_format": "#,##0"}),
        "num": wb.add_format({"num_format": "#,##0.00##"}),
        "rate": wb.add_format({"num_format": "0.00%"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    used: set[str] = set()
    about = wb.add_worksheet(_sheet_name(Section("about", "说明", "About", [], []), content.lang, used))
    lang = content.lang
    about_rows = [
        (pick(lang, "平台", "Platform"), pick(lang, PLATFORM_ZH, PLATFORM_EN)),
        (pick(lang, "报告期", "Period"), content.period.key),
        (pick(lang, "期间开始", "Period start"), content.period.start),
        (pick(lang, "期间结束", "Period end"), content.period.end),
        (pick(lang, f"数据截止时间（{content.reporting_tz}）", f"Data cut-off ({content.reporting_tz})"),
         # whole seconds: Excel would round 23:59:59.999999 up to the next day
         content.cutoff_local.replace(microsecond=0) if content.cutoff_local else None),
    ]
    about.write_row(0, 0, [pick(lang, "项目", "Item"), pick(lang, "值", "Value")], bold)
    for i, (label, value) in enumerate(about_rows, start=1):
        about.write_string(i, 0, label)
        if isinstance(value, datetime):
            about.write_datetime(i, 1, value, fmt["datetime"])
        elif isinstance(value, date):
            about.write_datetime(i, 1, datetime.combine(value, datetime.min.time()), fmt["date"])
        elif value is None:
            about.write_blank(i, 1, None)
        else:
            about.write_string(i, 1, cell_text(value))
    about.freeze_panes(1, 0)
    about.set_column(0, 0, 30)
    about.set_column(1, 1, 50)

    for section in content.sections:
        ws = wb.add_worksheet(_sheet_name(section, lang, used))
        headers = [c.header(lang) for c in section.columns]
        widths = [min(max(_display_width(h), 6), 40) + 2 for h in headers]
        ws.write_row(0, 0, headers, bold)
        for r, row in enumerate(section.rows, start=1):
            for c, column in enumerate(section.columns):
                value = row.get(column.key)
                shown = _write_cell(ws, r, c, value, column, lang, fmt)
                widths[c] = max(widths[c], min(_display_width(shown) + 2, 60))
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
        if section.rows:
            ws.autofilter(0, 0, len(section.rows), len(section.columns) - 1)
    wb.close()
    return path


def _write_cell(ws: Any, r: int, c: int, value: Any, column: Column, lang: str, fmt: dict[str, Any]) -> str:
    if value is None:
        ws.write_blank(r, c, None)
        return ""
    kind = column.kind
    if kind in ("int", "num", "rate"):
        number = float(value)
        ws.write_number(r, c, number, fmt[kind])
        return format_value(value, kind, lang)
    if kind == "date" and isinstance(value, date):
        ws.write_datetime(r, c, datetime.combine(value, datetime.min.time()) if not isinstance(value, datetime)
                          else value, fmt["date"])
        return value.isoformat()
    text = yes_no(bool(value), lang) if kind == "bool" else cell_text(value)
    ws.write_string(r, c, text)
    return text


# ------------------------------------------------------------------------------------------ charts
def _png(fig: Any) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    buf.seek(0)
    return buf


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = [matplotlib_font_name(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def chart_kpis(content: ReportContent) -> io.BytesIO | None:
    """Rate KPIs against their targets (the values of the 'kpis' table)."""
    rows = [r for r in content.section("kpis").rows
            if r["value"] is not None and (r["unit"] or "").lower() in PERCENT_UNITS]
    if not rows:
        return None
    plt = _mpl()
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.2))
    labels = [r["kpi_name"] for r in rows][::-1]
    values = [r["value"] * 100 for r in rows][::-1]
    colors = ["#C0392B" if r["breached"] else "#2E86C1" for r in rows][::-1]
    ax.barh(labels, values, color=colors)
    for i, r in enumerate(rows[::-1]):
        if r["target"] is not None:
            ax.plot([r["target"] * 100] * 2, [i - 0.4, i + 0.4], color="black", linewidth=2)
        ax.text(r["value"] * 100, i, f" {r['value'] * 100:.2f}%", va="center", fontsize=8)
    ax.set_xlabel(pick(content.lang, "数值（%），黑线为目标，红色为未达标",
                       "value (%); black line = target; red = breached"))
    ax.set_xlim(0, max(105, max(values) * 1.15))
    ax.set_title(pick(content.lang, "比率类指标与目标", "Rate KPIs against targets"))
    fig.tight_layout()
    buf = _png(fig)
    plt.close(fig)
    return buf


def chart_rights(content: ReportContent) -> io.BytesIO | None:
    rows = content.section("rights").rows
    if not rows:
        return None
    plt = _mpl()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.bar([r["right"] for r in rows], [r["complaints"] or 0 for r in rows], color="#2E86C1")
    for i, r in enumerate(rows):
        ax.text(i, r["complaints"] or 0, str(r["complaints"] or 0), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(pick(content.lang, "投诉数", "complaints"))
    ax.set_title(pick(content.lang, "各项权益投诉数", "Complaints per right"))
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    fig.tight_layout()
    buf = _png(fig)
    plt.close(fig)
    return buf


# --------------------------------------------------------------------------------------------- PDF
class _PDF:
    def __init__(self, content: ReportContent, generated_at: datetime) -> None:
        from fpdf import FPDF

        self.content = content
        self.lang = content.lang
        pdf = FPDF(orientation="L", unit="mm", format="A4")
        font = cjk_font_path()
        kwargs = {"collection_font_number": 0} if font.suffix.lower() == ".ttc" else {}
        pdf.add_font("cjk", "", str(font), **kwargs)
        pdf.set_font("cjk", size=10)
        pdf.set_auto_page_break(True, margin=15)
        pdf.set_creation_date(generated_at)
        pdf.set_title(f"RightsWatch {content.period.key}")
        pdf.set_author("RightsWatch")
        pdf.set_lang("zh-CN" if self.lang != "en" else "en")
        footer_text = f"RightsWatch {content.period.key}"

        def footer() -> None:
            pdf.set_y(-10)
            pdf.set_font("cjk", size=8)
            pdf.cell(0, 5, f"{footer_text}  —  {pdf.page_no()}", align="C")

        pdf.footer = footer  # type: ignore[method-assign]
        self.pdf = pdf

    def t(self, zh: str, en: str) -> str:
        return pick(self.lang, zh, en)

    def heading(self, text: str, size: int = 14) -> None:
        pdf = self.pdf
        pdf.set_font("cjk", size=size)
        pdf.multi_cell(0, size * 0.55, clean_text(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2)
        pdf.set_font("cjk", size=9)

    def para(self, text: str, size: int = 9) -> None:
        self.pdf.set_font("cjk", size=size)
        self.pdf.multi_cell(0, 5, clean_text(text), new_x="LMARGIN", new_y="NEXT", align="L")
        self.pdf.ln(1)

    def table(self, section: Section, columns: list[str] | None = None, widths: list[int] | None = None,
              limit: int = 60) -> None:
        cols = [c for c in section.columns if columns is None or c.key in columns]
        if columns is not None:
            cols.sort(key=lambda c: columns.index(c.key))
        self.heading(section.title(self.lang), 12)
        note = pick(self.lang, section.note_zh, section.note_en) if section.note_zh else ""
        if note:
            self.para(note, 8)
        if not section.rows:
            self.para(self.t("本期无记录。", "Nothing to report for the period."))
            return
        pdf = self.pdf
        pdf.set_font("cjk", size=8)
        from fpdf.fonts import FontFace

        # headings set apart by colour, not bold: the CJK font has no bold cut
        heading_style = FontFace(emphasis="", fill_color=(221, 235, 247))
        with pdf.table(col_widths=widths or None, text_align="LEFT", line_height=4.5,
                       first_row_as_headings=True, repeat_headings=1, headings_style=heading_style) as table:
            table.row([c.header(self.lang) for c in cols])
            for row in section.rows[:limit]:
                table.row([self._cell(row, c) for c in cols])
        if len(section.rows) > limit:
            self.para(self.t(f"另有 {len(section.rows) - limit} 行，见 Excel 与 CSV 文件。",
                             f"{len(section.rows) - limit} more rows in the Excel and CSV files."), 8)
        pdf.ln(3)

    def _cell(self, row: dict[str, Any], column: Column) -> str:
        value = row.get(column.key)
        if column.key == "target_operator":
            return OPERATOR_WORDS.get(str(value), clean_text(value)) if value is not None else ""
        if (column.key == "change" and value is not None
                and str(row.get("unit") or "").lower() in PERCENT_UNITS):
            # the change of a rate is a difference of percentages: percentage points, not percent
            points = float(value) * 100
            return self.t(f"{points:+.2f} 个百分点", f"{points:+.2f} pp")
        if column.key in ("value", "target", "previous_value", "change") and "unit" in row:
            text = format_value(value, column.kind, self.lang, row.get("unit"))
            if column.key == "change" and value is not None and value > 0:
                text = "+" + text
            return text
        return format_value(value, column.kind, self.lang)

    def image(self, buf: io.BytesIO | None, width: float = 250) -> None:
        if buf is None:
            return
        self.pdf.image(buf, w=width)
        self.pdf.ln(3)


def write_pdf(content: ReportContent, path: Path, *, generated_at: datetime, run_id: str | None,
              blockers: list[str]) -> Path:
    doc = _PDF(content, generated_at)
    pdf, t, lang = doc.pdf, doc.t, content.lang
    period = content.period

    # cover
    pdf.add_page()
    pdf.ln(30)
    if lang != "en":
        doc.heading(PLATFORM_ZH, 20)
    if lang != "zh":
        doc.heading(PLATFORM_EN, 20)
    if period.kind == "month":
        doc.heading(t("月度消费者权益保护监管报告", "Monthly consumer-rights protection report to the regulator"), 16)
    else:
        doc.heading(t("周度消费者权益保护监管报告", "Weekly consumer-rights protection report to the regulator"), 16)
    pdf.ln(8)
    cutoff = content.cutoff_local.strftime("%Y-%m-%d %H:%M:%S") if content.cutoff_local else "—"
    lines = [
        (t("报告期", "Period"), f"{period.key}  ({period.start} — {period.end})"),
        (t("数据截止时间", "Data cut-off"), f"{cutoff} ({content.reporting_tz})"),
        (t("生成时间", "Generated at"), generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        (t("运行编号", "Run id"), run_id or "—"),
    ]
    if period.kind == "week":
        lines.append((t("指标口径", "Figures"), t(f"{period.month_start:%Y-%m} 月初至截止时间",
                                               f"month {period.month_start:%Y-%m} to the cut-off")))
    for label, value in lines:
        doc.para(f"{label}: {value}", 12)
    if blockers:
        pdf.ln(4)
        doc.para(t("注意：本报告基于不完整或失败的数据运行生成，不得报送。",
                   "Warning: built from an incomplete or failed data run; it must not be sent.") + " "
                 + "; ".join(blockers), 11)

    # headline KPIs
    pdf.add_page()
    kpis = content.section("kpis")
    doc.table(kpis, ["kpi_name", "value", "target_operator", "target", "previous_value", "change", "breached",
                     "legal_basis"], [60, 22, 14, 20, 22, 20, 16, 103])
    doc.image(chart_kpis(content))

    # per right
    pdf.add_page()
    doc.table(content.section("rights"), ["right", "complaints", "substantiated_share", "resolved_share",
                                          "median_resolution_hours", "complaints_mom_change"])
    doc.image(chart_rights(content), 220)

    # one page per topic of the published dictionary (rpt_kpi_definitions.report_topic); the price
    # checks by merchant follow the price topic, or the last topic when the dictionary has none
    for topic in content.topics:
        pdf.add_page()
        doc.table(content.section(topic), ["kpi_name", "value", "target_operator", "target", "previous_value",
                                           "change", "breached"], [90, 30, 20, 30, 30, 30, 20])
        doc.table(content.section(f"{topic}_merchants"),
                  ["kpi_name", "merchant_id", "value", "target_operator", "target", "numerator", "denominator"],
                  limit=25)
        if topic == "price" or ("price" not in content.topics and topic == content.topics[-1]):
            doc.table(content.section("price_checks"), limit=25)
    if not content.topics:
        pdf.add_page()
        doc.table(content.section("price_checks"), limit=25)

    pdf.add_page()
    doc.table(content.section("enforcement"), ["merchant_id", "merchant_name", "tier", "tier_name",
                                               "previous_tier", "disclosable", "action", "reasons"],
              [30, 35, 12, 25, 18, 20, 60, 77])

    pdf.add_page()
    doc.table(content.section("data_quality"))
    doc.table(content.section("failed_checks"))
    run = content.pipeline_run or {}
    doc.para(t("最近一次数据运行", "Latest pipeline run") + f": {run.get('run_id', '—')} "
             + t("状态", "status") + f" {run.get('status', '—')}")
    if blockers:
        doc.para(t("结论：数据不完整，本报告不得报送。", "Conclusion: data incomplete; this report must not be sent.")
                 + " " + "; ".join(blockers))
    else:
        doc.para(t("结论：截止日前的全部交付均已对账（读取 = 入库 + 隔离），无未通过的错误级检查，数据运行成功。",
                   "Conclusion: every delivery up to the cut-off reconciles (read = loaded + quarantined), "
                   "no error-severity check failed, and the data run succeeded."))
    pdf.output(str(path))
    return path
