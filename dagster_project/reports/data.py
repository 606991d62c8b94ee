"""What a report says: its tables, read from schema ``marts`` of one DuckDB file (read-only).

Every table of every format (PDF, XLSX, CSV, charts) comes from ``load_report``, so the numbers in
the files agree with each other and with the marts. Nothing here reads the clock: the content is a
function of the marts, the period and the cut-off only (reproducibility, see ``build``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from dagster_project.orchestration.config import default_vars
from dagster_project.reports.periods import Period
from dagster_project.reports.text import clean_text, pick, right_name, yes_no
from dagster_project.warehouse.kpi_config import CONFIG_SQL, parse_config

DEFAULT_TZ = str(default_vars()["rw_reporting_tz"])  # when a warehouse predates rpt_kpi_config
PERCENT_UNITS = ("rate", "share", "fraction", "ratio_0_1")  # KPI units shown as a percentage

@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"   # text (free text, escaped) | label (our own words) | int | num | rate | date | bool

    def header(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)


@dataclass
class Section:
    code: str            # file and sheet name stem
    title_zh: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note_zh: str = ""
    note_en: str = ""

    def title(self, lang: str) -> str:
        return pick(lang, self.title_zh, self.title_en)


@dataclass
class ReportContent:
    period: Period
    lang: str
    cutoff_at: datetime | None           # UTC, naive (as in the marts)
    reporting_tz: str
    config: dict[str, Any]
    sections: list[Section]
    dq: dict[str, Any]                    # attestation for the manifest (no wall-clock values)
    blockers: list[str] = field(default_factory=list)
    pipeline_run: dict[str, Any] | None = None
    topics: list[str] = field(default_factory=list)  # topic section codes, in the dictionary's order

    @property
    def cutoff_local(self) -> datetime | None:
        if self.cutoff_at is None:
            return None
        return self.cutoff_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(self.reporting_tz)).replace(tzinfo=None)

    def section(self, code: str) -> Section:
        return next(s for s in self.sections if s.code == code)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def read_config(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The configuration values in force, from marts.rpt_kpi_config (name → value)."""
    if "rpt_kpi_config" not in _tables(con):
        return {}
    return {k: _jsonable(v) for k, v in parse_config(con.execute(CONFIG_SQL).fetchall()).items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    try:
        return float(value)  # Decimal
    except (TypeError, ValueError):
        return str(value)


def published_cutoff(con: duckdb.DuckDBPyConnection) -> datetime | None:
    if "rpt_kpi_monthly" not in _tables(con):
        return None
    return con.execute("select max(cutoff_at) from marts.rpt_kpi_monthly").fetchone()[0]


def latest_pipeline_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    if "dq_pipeline_runs" not in _tables(con):
        return None
    rows = _rows(con, "select * from marts.dq_pipeline_runs order by started_at desc nulls last limit 1")
    return {k: _jsonable(v) for k, v in rows[0].items()} if rows else None


def kpi_positions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each KPI code's place in the published dictionary (rpt_kpi_definitions.sort_order)."""
    return dict(con.execute("select kpi_code, sort_order from marts.rpt_kpi_definitions").fetchall())


@dataclass(frozen=True)
class ReportTopic:
    code: str
    title_zh: str
    title_en: str
    kpi_codes: frozenset[str]


def report_topics(con: duckdb.DuckDBPyConnection) -> list[ReportTopic]:
    """The report's topic sections as the published dictionary names them (rpt_kpi_definitions.report_topic,
    from the dbt macro kpi_report_topics), in the order of each topic's first KPI in the dictionary. A
    warehouse built before the dictionary carried topics has none."""
    columns = {r[0] for r in con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'rpt_kpi_definitions'").fetchall()}
    if "report_topic" not in columns:
        return []
    rows = con.execute("""
        select report_topic, any_value(report_topic_zh), any_value(report_topic_en), list(kpi_code)
        from marts.rpt_kpi_definitions
        where report_topic is not null
        group by report_topic
        order by min(sort_order)
    """).fetchall()
    return [ReportTopic(code, zh or code, en or code, frozenset(codes)) for code, zh, en, codes in rows]


def _kpi_sort(positions: dict[str, int], code: str) -> tuple[bool, int, str]:
    """Dictionary order; a code missing from the dictionary (or without a place) last, by code."""
    place = positions.get(code)
    return (place is None, place or 0, code)


_UNSET: Any = object()


def load_report(con: duckdb.DuckDBPyConnection, period: Period, lang: str,
                pipeline_run: dict[str, Any] | None = _UNSET) -> ReportContent:
    """The report's content from ``con``'s marts. ``pipeline_run`` (default: the latest in these
    marts) is the run whose status decides whether the report may be sent: for a report rebuilt as of
    an earlier cut-off, that is the run that published the current warehouse."""
    tables = _tables(con)
    missing = {"rpt_kpi_monthly", "rpt_kpi_definitions"} - tables
    if missing:
        raise RuntimeError(f"the warehouse lacks marts {', '.join(sorted(missing))}: it is not a complete build")
    config = read_config(con)
    tz = str(config.get("rw_reporting_tz") or DEFAULT_TZ)
    cutoff_at = published_cutoff(con)
    cutoff_local = (cutoff_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz)).date()
                    if cutoff_at else None)
    month, prev = period.month_start, period.previous_month_start
    blockers: list[str] = []

    # --- headline KPIs, platform level -------------------------------------------------------
    kpis = _rows(con, """
        select k.kpi_code, d.name_zh, d.name_en, d.right_category, d.unit, k.value, k.target,
               k.target_operator, k.breached, p.value as previous_value, k.numerator, k.denominator,
               k.pending_count, k.unverifiable_count, d.legal_basis_zh, d.legal_basis_en
        from marts.rpt_kpi_monthly k
        left join marts.rpt_kpi_definitions d on d.kpi_code = k.kpi_code
        left join marts.rpt_kpi_monthly p
               on p.kpi_code = k.kpi_code and p.merchant_id is null and p.month = ?
        where k.merchant_id is null and k.month = ?
    """, [prev, month])
    positions = kpi_positions(con)
    kpis.sort(key=lambda r: _kpi_sort(positions, r["kpi_code"]))
    if not kpis:
        blockers.append(f"no platform KPI figures for {month:%Y-%m} in marts.rpt_kpi_monthly")
    kpi_rows = []
    for r in kpis:
        value, previous = _num(r["value"]), _num(r["previous_value"])
        kpi_rows.append({
            "kpi_code": r["kpi_code"],
            # the published name already states the limits in force (int_kpi__definitions)
            "kpi_name": pick(lang, clean_text(r["name_zh"] or r["kpi_code"]), clean_text(r["name_en"] or r["kpi_code"])),
            "right": right_name(r["right_category"], lang),
            "unit": r["unit"],
            "value": value,
            "target_operator": r["target_operator"],
            "target": _num(r["target"]),
            "breached": r["breached"],
            "previous_value": previous,
            "change": None if value is None or previous is None else value - previous,
            "numerator": _num(r["numerator"]),
            "denominator": _num(r["denominator"]),
            "pending_count": r["pending_count"],
            "unverifiable_count": r["unverifiable_count"],
            "legal_basis": pick(lang, clean_text(r["legal_basis_zh"] or ""), clean_text(r["legal_basis_en"] or "")),
        })
    kpi_columns = [
        Column("kpi_code", "指标代码", "KPI code", "label"),
        Column("kpi_name", "指标", "KPI", "text"),
        Column("right", "权益", "Right", "label"),
        Column("unit", "单位", "Unit", "text"),
        Column("value", "本月值", "Value", "num"),
        Column("target_operator", "目标条件", "Target operator", "label"),
        Column("target", "目标", "Target", "num"),
        Column("breached", "未达标", "Breached", "bool"),
        Column("previous_value", "上月值", "Previous month", "num"),
        Column("change", "环比变化", "Change", "num"),
        Column("numerator", "分子", "Numerator", "num"),
        Column("denominator", "分母", "Denominator", "num"),
        Column("pending_count", "待定", "Pending", "int"),
        Column("unverifiable_count", "无法核实", "Unverifiable", "int"),
        Column("legal_basis", "法律依据", "Legal basis", "text"),
    ]
    sections = [Section("kpis", "核心指标", "Headline KPIs", kpi_columns, kpi_rows,
                        "平台整体，对照目标与上月。", "Platform as a whole, against targets and the previous month.")]

    # --- per right ------------------------------------------------------------------------------
    rights: list[dict[str, Any]] = []
    if "rpt_rights_monthly" in tables:
        for r in _rows(con, "select * from marts.rpt_rights_monthly where month = ? order by right_category", [month]):
            rights.append({
                "right_category": r["right_category"],
                "right": right_name(r["right_category"], lang),
                "complaints": r["complaints"],
                "substantiated_share": _num(r["substantiated_share"]),
                "resolved_share": _num(r["resolved_share"]),
                "median_resolution_hours": _num(r["median_resolution_hours"]),
                "complaints_mom_change": _num(r["complaints_mom_change"]),
            })
    sections.append(Section("rights", "各项权益", "Per right", [
        Column("right_category", "权益代码", "Right code", "label"),
        Column("right", "权益", "Right", "label"),
        Column("complaints", "投诉数", "Complaints", "int"),
        Column("substantiated_share", "属实占比", "Substantiated share", "rate"),
        Column("resolved_share", "已解决占比", "Resolved share", "rate"),
        Column("median_resolution_hours", "解决时长中位数(小时)", "Median resolution hours", "num"),
        Column("complaints_mom_change", "环比变化", "Month-on-month change", "num"),
    ], rights))

    # --- sections of KPIs with the merchants that breached them (topics: the published dictionary) ---
    topics = report_topics(con)
    merchant_breaches = _rows(con, """
        select k.kpi_code, k.merchant_id, k.value, k.target_operator, k.target, k.numerator, k.denominator
        from marts.rpt_kpi_monthly k
        where k.merchant_id is not null and k.month = ? and k.breached
        order by k.kpi_code, k.merchant_id
    """, [month])
    names = {r["kpi_code"]: r["kpi_name"] for r in kpi_rows}
    for topic in topics:
        codes = topic.kpi_codes
        platform = [r for r in kpi_rows if r["kpi_code"] in codes]
        merchants = [{
            "kpi_code": r["kpi_code"], "kpi_name": names.get(r["kpi_code"], r["kpi_code"]),
            "merchant_id": r["merchant_id"], "value": _num(r["value"]), "target_operator": r["target_operator"],
            "target": _num(r["target"]), "numerator": _num(r["numerator"]), "denominator": _num(r["denominator"]),
        } for r in merchant_breaches if r["kpi_code"] in codes]
        merchants.sort(key=lambda r: (_kpi_sort(positions, r["kpi_code"]), str(r["merchant_id"])))
        sections.append(Section(topic.code, topic.title_zh, topic.title_en, kpi_columns[:10], platform,
                                "平台整体。", "Platform as a whole."))
        sections.append(Section(f"{topic.code}_merchants", topic.title_zh + "：未达标商家",
                                topic.title_en + ": merchants in breach", [
            Column("kpi_code", "指标代码", "KPI code", "label"),
            Column("kpi_name", "指标", "KPI", "text"),
            Column("merchant_id", "商家", "Merchant", "text"),
            Column("value", "值", "Value", "num"),
            Column("target_operator", "目标条件", "Target operator", "label"),
            Column("target", "目标", "Target", "num"),
            Column("numerator", "分子", "Numerator", "num"),
            Column("denominator", "分母", "Denominator", "num"),
        ], merchants))

    # --- price checks by merchant ----------------------------------------------------------------
    price_rows: list[dict[str, Any]] = []
    if "fct_price_checks" in tables:
        last_day = min(period.end, cutoff_local) if cutoff_local else period.end
        price_rows = _rows(con, """
            select merchant_id, count(*) as lines_checked,
                   count(*) filter (where verdict = 'fake') as fake_lines,
                   count(*) filter (where verdict = 'unverifiable') as unverifiable_lines
            from marts.fct_price_checks
            where ordered_date_local between ? and ?
            group by merchant_id having count(*) filter (where verdict = 'fake') > 0
            order by fake_lines desc, merchant_id
        """, [month, last_day])
    sections.append(Section("price_checks", "虚构原价：按商家", "Fake original prices by merchant", [
        Column("merchant_id", "商家", "Merchant", "text"),
        Column("lines_checked", "核查行数", "Lines checked", "int"),
        Column("fake_lines", "虚构原价行数", "Fake original price lines", "int"),
        Column("unverifiable_lines", "无法核实行数", "Unverifiable lines", "int"),
    ], price_rows))

    # --- enforcement -----------------------------------------------------------------------------
    enforcement: list[dict[str, Any]] = []
    as_of = None
    if "rpt_merchant_enforcement" in tables:
        as_of = con.execute("select max(as_of_date) from marts.rpt_merchant_enforcement where as_of_date <= ?",
                            [period.end]).fetchone()[0]
        if as_of is not None:
            # tier at the start of the period: the last list before it (none: everyone started clear)
            for r in _rows(con, """
                with cur as (select * from marts.rpt_merchant_enforcement where as_of_date = ?),
                start as (
                    select merchant_id, tier as start_tier from marts.rpt_merchant_enforcement
                    where as_of_date = (select max(as_of_date) from marts.rpt_merchant_enforcement
                                        where as_of_date < ?)
                )
                select cur.*, start.start_tier from cur left join start using (merchant_id)
                where cur.tier >= 1 or cur.tier <> coalesce(start.start_tier, 0)
                order by cur.tier desc, cur.merchant_id
            """, [as_of, period.start]):
                enforcement.append({
                    "merchant_id": r["merchant_id"],
                    "merchant_name": r.get("merchant_name"),
                    "tier": r["tier"],
                    "tier_name": pick(lang, clean_text(r.get("tier_name_zh") or ""), clean_text(r.get("tier_name_en") or "")),
                    "previous_tier": r.get("start_tier"),
                    "tier_change": (r["tier"] or 0) - (r.get("start_tier") or 0),
                    "tier_first_reached_on": r.get("tier_first_reached_on"),
                    "disclosable": (r["tier"] or 0) >= 1,
                    "action": pick(lang, clean_text(r.get("recommended_action_zh") or ""),
                                   clean_text(r.get("recommended_action_en") or "")),
                    "general_points": _num(r.get("general_points")),
                    "serious_points": _num(r.get("serious_points")),
                    "reasons": pick(lang, clean_text(r.get("top_reasons_zh") or ""), clean_text(r.get("top_reasons_en") or "")),
                    "evidence_count": r.get("evidence_count"),
                    "decision": r.get("decision"),
                    "decided_tier": r.get("decided_tier"),
                })
    sections.append(Section("enforcement", "本期执法措施", "Enforcement actions in the period", [
        Column("merchant_id", "商家", "Merchant", "text"),
        Column("merchant_name", "商家名称", "Merchant name", "text"),
        Column("tier", "等级", "Tier", "int"),
        Column("tier_name", "等级名称", "Tier name", "text"),
        Column("previous_tier", "期初等级", "Tier at period start", "int"),
        Column("tier_change", "本期等级变化", "Tier change in the period", "int"),
        Column("tier_first_reached_on", "首次达到日期", "Tier first reached on", "date"),
        Column("disclosable", "可公开处罚", "Publicly disclosable", "bool"),
        Column("action", "建议措施", "Recommended action", "text"),
        Column("general_points", "一般违规分", "General points", "num"),
        Column("serious_points", "严重违规分", "Serious points", "num"),
        Column("reasons", "主要原因", "Top reasons", "text"),
        Column("evidence_count", "证据数", "Evidence count", "int"),
        Column("decision", "管理决定", "Management decision", "text"),
        Column("decided_tier", "决定等级", "Decided tier", "int"),
    ], enforcement, f"名单日期 {as_of or '—'}；列出等级 ≥ 1（可公开处罚）及本期等级有变化的商家。",
        f"List as of {as_of or '—'}; merchants at tier ≥ 1 (publicly disclosable sanction) or whose tier "
        "changed in the period."))

    # --- data-quality attestation ----------------------------------------------------------------
    # Every delivery the figures rest on: all files delivered up to the cut-off's day (a month's
    # records arrive in later deliveries too), so the same cut-off attests the same files.
    window_end = cutoff_local or period.end
    dq_sources: list[dict[str, Any]] = []
    unreconciled: list[dict[str, Any]] = []
    if "dq_file_reconciliation" in tables:
        dq_sources = _rows(con, """
            select source, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined,
                   count(*) filter (where not coalesce(reconciled, false)) as unreconciled_files
            from marts.dq_file_reconciliation
            where delivery_date <= ? and coalesce(status, '') <> 'superseded'
            group by source order by source
        """, [window_end])
        unreconciled = _rows(con, """
            select source, delivery_date, file_name, status, rows_read, rows_loaded, rows_quarantined
            from marts.dq_file_reconciliation
            where delivery_date <= ? and coalesce(status, '') <> 'superseded'
              and not coalesce(reconciled, false)
            order by source, delivery_date, file_name
        """, [window_end])
    failed_checks: list[dict[str, Any]] = []
    if "dq_gx_results" in tables:
        failed_checks = _rows(con, """
            select source, delivery_date, suite, expectation, column_name, severity,
                   max(unexpected_count) as unexpected_count
            from marts.dq_gx_results
            where not success and delivery_date <= ?
            group by all order by severity, source, delivery_date, suite, expectation, column_name
        """, [window_end])
    from dagster_project.reports.privacy_section import privacy_section  # imports this module

    sections.append(privacy_section(con, tables, month, lang))
    sections.append(Section("data_quality", "数据质量证明", "Data-quality attestation", [
        Column("source", "数据源", "Source", "label"),
        Column("files", "文件数", "Files", "int"),
        Column("rows_read", "读取行数", "Rows read", "int"),
        Column("rows_loaded", "入库行数", "Rows loaded", "int"),
        Column("rows_quarantined", "隔离行数", "Rows quarantined", "int"),
        Column("unreconciled_files", "未对账文件", "Unreconciled files", "int"),
    ], dq_sources, f"截至数据截止日 {window_end} 的全部交付。", f"Every delivery dated up to the cut-off day {window_end}."))
    sections.append(Section("failed_checks", "未通过的数据检查", "Failed data checks", [
        Column("source", "数据源", "Source", "label"),
        Column("delivery_date", "交付日期", "Delivery date", "date"),
        Column("suite", "检查套件", "Suite", "text"),
        Column("expectation", "检查项", "Expectation", "text"),
        Column("column_name", "字段", "Column", "text"),
        Column("severity", "级别", "Severity", "label"),
        Column("unexpected_count", "异常数", "Unexpected count", "int"),
    ], failed_checks))

    # --- can it be sent? -------------------------------------------------------------------------
    run = latest_pipeline_run(con) if pipeline_run is _UNSET else pipeline_run
    if run is None:
        blockers.append("no pipeline run recorded in marts.dq_pipeline_runs")
    elif str(run.get("status")).lower() != "success":
        blockers.append(f"latest pipeline run {run.get('run_id')} has status {run.get('status')}")
    errors = [c for c in failed_checks if str(c["severity"]).lower() == "error"]
    if errors:
        blockers.append(f"{len(errors)} failed error-severity data check(s), e.g. "
                        f"{errors[0]['source']}/{errors[0]['expectation']}")
    if unreconciled:
        blockers.append(f"{len(unreconciled)} unreconciled file(s), e.g. {unreconciled[0]['source']}/"
                        f"{unreconciled[0]['delivery_date']}/{unreconciled[0]['file_name']}")
    if cutoff_local is None:
        blockers.append("the marts carry no data cut-off")
    elif cutoff_local < period.end:
        blockers.append(f"data cut-off {cutoff_local} is before the end of the period {period.end}: incomplete")
    dq = {
        "deliveries_up_to": window_end.isoformat(),
        "sources": [{k: _jsonable(v) for k, v in r.items()} for r in dq_sources],
        "failed_checks": [{k: _jsonable(v) for k, v in r.items()} for r in failed_checks],
        "unreconciled_files": [{k: _jsonable(v) for k, v in r.items()} for r in unreconciled],
        "enforcement_list_as_of": as_of.isoformat() if as_of else None,
    }
    return ReportContent(period=period, lang=lang, cutoff_at=cutoff_at, reporting_tz=tz, config=config,
                         sections=sections, dq=dq, blockers=blockers, pipeline_run=run,
                         topics=[topic.code for topic in topics])


def format_value(value: Any, kind: str, lang: str, unit: str | None = None) -> str:
    """A value as text for the PDF (the CSV and XLSX keep raw numbers)."""
    if value is None:
        return "—"
    if kind == "bool":
        return yes_no(bool(value), lang)
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "int":
        return f"{int(value):,}"
    if kind in ("num", "rate"):
        v = float(value)
        if kind == "rate" or (unit or "").lower() in PERCENT_UNITS:
            return f"{v * 100:.2f}%"
        return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}"
    return clean_text(value)
