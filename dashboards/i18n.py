"""Labels, number and date formats and chart titles in Chinese and English.

``t(key)`` gives the label in the session's language (``st.session_state["lang"]``, default zh).
Column headers go through ``col(name)``; a column without a label keeps its technical name.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

LANGS = {"zh": "中文", "en": "English"}
DEFAULT_LANG = "zh"

LABELS: dict[str, tuple[str, str]] = {
    # shell and sign-in
    "app_title": ("RightsWatch 消费者权益监测", "RightsWatch consumer-rights monitor"),
    "language": ("语言", "Language"),
    "sign_in": ("登录", "Sign in"),
    "sign_in_title": ("请先登录", "Please sign in"),
    "sign_in_oidc": ("通过单点登录 (OIDC) 登录", "Sign in with single sign-on (OIDC)"),
    "user_name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "sign_out": ("退出登录", "Sign out"),
    "signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "interactive_views": ("交互式表格与图表", "Interactive tables and charts"),
    "static_rows_cut": ("仅显示前 {shown} 行，共 {total} 行：下载文件包含全部行，或在侧栏开启交互式表格查看全部。",
                        "Showing the first {shown} of {total} rows: the downloads hold them all, or turn on "
                        "interactive tables in the sidebar to browse every row."),
    "interactive_views_help": ("开启后可排序、调整列宽并查看图表悬停提示；页面在多人同时使用时会变慢。关闭时表格与图表由服务器生成（长表格只显示前 500 行，下载文件包含全部行）。",
                               "Sort and resize columns and see chart hover cards; pages load slower when many people "
                               "use them at once. When off, the server draws tables and charts (a long table shows "
                               "its first 500 rows; the downloads hold them all)."),
    "bad_credentials": ("用户名或密码错误。", "Wrong user name or password."),
    "locked": ("失败次数过多，该账户已锁定 15 分钟。", "Too many failed attempts: this account is locked for 15 minutes."),
    "no_role": ("该账户未分配角色，请联系管理员。", "This account has no role assigned; ask an administrator."),
    "no_users": ("尚无账户：请运行 `rightswatch users add NAME --role admin`。",
                 "No accounts yet: run `rightswatch users add NAME --role admin`."),
    "not_allowed": ("您的角色无权访问此页面。", "Your role may not open this page."),
    "no_warehouse": ("尚未发布数据仓库，请先运行 `rightswatch run`。",
                     "No published warehouse yet: run `rightswatch run` first."),
    "no_data": ("没有符合条件的数据。", "No data for these filters."),
    "published": ("数据发布时间：{when}", "Data published: {when}"),
    "role_analyst": ("分析师", "analyst"),
    "role_regulator": ("监管人员", "regulator"),
    "role_manager": ("管理层", "manager"),
    "role_admin": ("管理员", "admin"),
    # page titles
    "page_overview": ("总览", "Overview"),
    "page_complaints": ("投诉查询", "Complaints explorer"),
    "page_refunds": ("退款与退货", "Refunds and returns"),
    "page_privacy": ("个人信息权利请求", "Personal-information requests"),
    "privacy_by_type": ("按请求类型", "By request type"),
    "erasures": ("个人信息删除记录（仅计数）", "Personal data erased (counts only)"),
    "privacy_by_channel": ("按渠道", "By channel"),
    "privacy_overdue_deletions": ("逾期的删除请求", "Deletion requests past the limit"),
    "page_price": ("价格诚信", "Price honesty"),
    "page_merchants": ("商家处置", "Merchants"),
    "page_data_quality": ("数据质量", "Data quality"),
    "page_approvals": ("报告审批", "Report approvals"),
    "page_audit": ("审计日志", "Audit log"),
    # overview
    "month": ("月份", "Month"),
    "headline": ("核心指标与目标", "Headline KPIs against targets"),
    "vs_prev": ("较上月", "vs previous month"),
    "delta_note": ("箭头为较上月（{month}）的变化。", "Arrows show the change from the previous month ({month})."),
    "target": ("目标", "Target"),
    "breached": ("未达标", "Breached"),
    "met": ("达标", "Met"),
    "monitor": ("监测", "Monitor"),
    "kpi": ("指标", "KPI"),
    "kpi_trend": ("指标趋势", "KPI trend"),
    "chart_kpi_trend": ("{kpi}：月度趋势（虚线为目标）", "{kpi}: monthly trend (dashed line = target)"),
    "per_right": ("按消费者权利分类", "By consumer right"),
    "chart_rights": ("各项权利的月度投诉量", "Complaints per month by consumer right"),
    "all_kpis": ("全部指标：目标与达标情况", "Every KPI: target and breach state"),
    "scope": ("范围", "Scope"),
    "scope_platform": ("平台整体", "Platform"),
    "scope_all": ("全部商家", "All merchants"),
    "chart_breach_grid": ("各指标逐月达标情况", "Breach state by KPI and month"),
    "month_from": ("起始月份", "From month"), "month_to": ("截止月份", "To month"),
    # complaints
    "filters": ("筛选条件", "Filters"),
    "filters_in_use": ("筛选条件（已选 {n} 项）", "Filters ({n} in use)"),
    "choose": ("请选择（不选即全部）", "Choose (none = all)"),
    "right": ("权利类别", "Right"),
    "issue": ("问题类型", "Issue"),
    "channel": ("渠道", "Channel"),
    "merchant": ("商家", "Merchant"),
    "region": ("地区", "Region"),
    "status": ("状态", "Status"),
    "complaints_count": ("投诉数", "Complaints"),
    "published_kpi": ("已发布指标值，{month}，{scope}", "Published KPI value, {month}, {scope}"),
    "median_first_response": ("首次响应中位时长", "Median first response"),
    "chart_handling": ("首次响应时长分布（红线为 {hours} 小时时限）", "First-response time distribution (red line = {hours} h limit)"),
    "hours_axis": ("小时", "Hours"),
    "count_axis": ("数量", "Count"),
    "complaint_table": ("投诉明细（消费者已假名化）", "Complaints (consumers pseudonymised)"),
    "description_of": ("投诉描述（纯文本）", "Complaint description (plain text)"),
    "pick_complaint": ("查看投诉", "Show complaint"),
    "pick_complaint_placeholder": ("选择本页中的一条投诉以查看其描述", "A complaint on this page, to read its description"),
    "table_page": ("页码", "Page"),
    "rows_shown": ("第 {first}–{last} 条，共 {total} 条（下载包含全部筛选结果）",
                   "Rows {first}–{last} of {total} (downloads hold every filtered row)"),
    # refunds
    "nrr_refusal": ("七天无理由退货拒绝率", "No-reason return refusal rate"),
    "chart_refund_7d": ("{days} 日内退款合规率（按月）", "Refund within {days} days, by month"),
    "nrr_refusals": ("七天无理由退货被拒记录", "Refused no-reason returns"),
    "slowest_refunds": ("退款最慢的记录", "Slowest refunds"),
    # price
    "fake_prices": ("虚构原价发现（附参考价）", "Fake original prices, with the reference price proving each"),
    "fake_lines": ("虚构原价订单行", "Fake-price order lines"),
    "chart_price": ("价格核查结果（按月）", "Price check verdicts by month"),
    "date_range": ("日期范围", "Date range"),
    # merchants
    "enforcement_list": ("商家处置名单", "Enforcement list"),
    "tier": ("等级", "Tier"),
    "category": ("类目", "Category"),
    "regulator_note": ("监管视图：仅显示已公开处罚（等级 ≥ 1）的商家。",
                       "Regulator view: only merchants with public sanctions (tier ≥ 1)."),
    "drill_down": ("商家详情", "Merchant drill-down"),
    "pick_merchant": ("选择商家", "Choose a merchant"),
    "pick_merchant_placeholder": ("从名单中选择一个商家", "One merchant from the list"),
    "pick_merchant_hint": ("选择商家后显示其违规证据、指标趋势和管理决定。",
                           "Choose a merchant to see its evidence, KPI trend and management decision."),
    "computed_tier": ("系统计算等级", "Computed tier"),
    "current_decision": ("当前管理决定", "Current decision"),
    "no_decision": ("尚无决定", "No decision yet"),
    "evidence_timeline": ("违规证据时间线", "Evidence timeline"),
    "chart_evidence": ("违规积分时间线", "Violation points over time"),
    "chart_merchant_kpi": ("该商家指标趋势", "KPI trend of this merchant"),
    "behind_complaints": ("证据涉及的投诉", "Complaints behind the points"),
    "behind_refunds": ("证据涉及的退款", "Refunds behind the points"),
    "behind_orders": ("证据涉及的订单行", "Order lines behind the points"),
    "decision_form": ("管理决定", "Management decision"),
    "decision": ("决定", "Decision"),
    "decision_confirm": ("确认", "Confirm"),
    "decision_downgrade": ("降级（需说明理由）", "Downgrade (reason required)"),
    "decision_dismiss": ("撤销（需说明理由）", "Dismiss (reason required)"),
    "decided_tier": ("决定等级", "Decided tier"),
    "reason": ("理由", "Reason"),
    "submit": ("提交", "Submit"),
    "reason_required": ("降级或撤销必须填写理由。", "A downgrade or dismissal needs a reason."),
    "downgrade_lower": ("降级后的等级必须低于计算等级。", "A downgrade must be below the computed tier."),
    "decision_saved": ("决定已记录。", "Decision recorded."),
    "decisions_unavailable": ("决定接口尚不可用。", "The decisions API is not available yet."),
    "decision_history": ("决定历史", "Decision history"),
    # data quality
    "last_run": ("最近一次运行", "Last run"),
    "reconciliation": ("文件对账（读取 = 入库 + 隔离）", "Reconciliation per file (read = loaded + quarantined)"),
    "quarantine": ("隔离原因", "Quarantine reasons"),
    "gx": ("Great Expectations 校验结果", "Great Expectations results"),
    "freshness": ("数据新鲜度（最新交付距今）", "Freshness (age of newest delivery)"),
    "row_flags": ("软规则标记", "Soft-rule flags"),
    "chart_quarantine": ("隔离行数（按原因）", "Quarantined rows by rule"),
    "unreconciled": ("未对平的文件", "Files not reconciled"),
    "landing_issues": ("未读取的落地条目", "Landing entries not read"),
    "landing_issues_note": ("每项单独拒绝（文件名非 UTF-8、失效链接、管道文件、无读取权限、未知类型或文件夹），同一交付的其余文件照常入库。",
                            "Each is rejected alone (a name that is not UTF-8, a dangling link, a FIFO, no read "
                            "permission, an unknown type or folder); the rest of its delivery loads."),
    "landing_not_read": ("未读取的落地条目（当前）", "Landing entries not read (now)"),
    "delivery_blocks": ("阻断的交付与放行", "Blocked deliveries and overrides"),
    "delivery_blocks_note": ("阻断检查失败的交付在之后每次运行中仍保持阻断，直到文件变更或有署名人员记录放行及理由。",
                             "A delivery that failed a blocking check stays blocked on every later run until its "
                             "files change or a named person records an override with a reason."),
    "delivery_overrides": ("人工放行记录", "Overrides of blocked deliveries"),
    "still_blocked": ("仍被阻断的交付", "Deliveries still blocked"),
    # approvals and audit
    "reports": ("已生成的报告", "Built reports"),
    "approve": ("批准", "Approve"),
    "manifest_verified": ("清单校验通过：文件完整，签名有效。", "Manifest verified: every file intact, signature valid."),
    "manifest_invalid": ("清单校验未通过，不提供该报告的文件：", "The manifest did not verify; the report's files are not offered:"),
    "acknowledge": ("记录监管机构已确认收到", "Record the regulator's acknowledgement"),
    "ack_note": ("备注（可选）", "Note (optional)"),
    "acknowledged": ("已记录确认收到。", "Acknowledgement recorded."),
    "reject": ("驳回", "Reject"),
    "report_month": ("报告月份", "Report month"),
    "approved": ("已批准。", "Approved."),
    "blocked": ("该报告基于不完整的运行生成，不能批准或发送：", "Built from an incomplete run; it cannot be approved or sent:"),
    "action_refused": ("操作被拒绝：", "Refused:"),
    "rejected": ("已驳回。", "Rejected."),
    "audit_filter": ("操作类型", "Action"),
    "all": ("全部", "All"),
    # downloads
    "download_csv": ("下载 CSV (UTF-8)", "Download CSV (UTF-8)"),
    "download_csv_gb": ("下载 CSV (GB18030)", "Download CSV (GB18030)"),
    "download_xlsx": ("下载 Excel", "Download XLSX"),
}

COLUMNS: dict[str, tuple[str, str]] = {
    # personal-information requests
    "request_id": ("请求编号", "Request id"), "request_type": ("请求类型", "Request type"),
    "requests": ("收到请求数", "Requests"), "answered_on_time": ("按时处理", "Answered on time"),
    "answered_late": ("逾期处理", "Answered late"), "pending": ("处理中（未超期）", "Open, within the limit"),
    "open_overdue": ("超期未处理", "Open past the limit"), "handling_days": ("处理天数", "Handling days"),
    "completed_at": ("完成时间 (UTC)", "Completed (UTC)"),
    "links_erased": ("删除的关联数", "Links erased"), "values_changed": ("改写的存储值", "Stored values rewritten"),
    "month": ("月份", "Month"), "kpi": ("指标", "KPI"), "kpi_code": ("指标代码", "KPI code"),
    "value": ("数值", "Value"), "target": ("目标", "Target"), "target_operator": ("目标条件", "Target rule"),
    "breached": ("未达标", "Breached"), "state": ("状态", "State"), "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"), "pending_count": ("待定数", "Pending"),
    "unverifiable_count": ("无法核实数", "Unverifiable"), "merchant_id": ("商家编号", "Merchant id"),
    "merchant_name": ("商家名称", "Merchant"), "right_category": ("权利类别", "Right"),
    "complaints": ("投诉数", "Complaints"), "substantiated_share": ("属实占比", "Substantiated share"),
    "resolved_share": ("解决占比", "Resolved share"),
    "median_resolution_hours": ("解决时长中位数（小时）", "Median resolution (h)"),
    "complaints_mom_change": ("环比变化", "Change vs previous month"),
    "complaint_id": ("投诉编号", "Complaint id"), "received_month": ("受理月份", "Month received"),
    "received_at": ("受理时间 (UTC)", "Received (UTC)"), "region": ("地区", "Region"),
    "consumer_key": ("消费者（假名）", "Consumer (pseudonym)"), "channel": ("渠道", "Channel"),
    "issue_code": ("问题类型", "Issue"), "status": ("状态", "Status"), "outcome": ("处理结果", "Outcome"),
    "substantiated": ("属实", "Substantiated"), "first_response_hours": ("首次响应（小时）", "First response (h)"),
    "resolution_hours": ("解决时长（小时）", "Resolution (h)"), "compensation_amount": ("赔偿金额", "Compensation"),
    "description": ("描述", "Description"), "order_id": ("订单号", "Order id"), "line_no": ("行号", "Line"),
    "refund_id": ("退款编号", "Refund id"), "requested_month": ("申请月份", "Month requested"),
    "requested_at": ("申请时间 (UTC)", "Requested (UTC)"), "decided_at": ("处理时间 (UTC)", "Decided (UTC)"),
    "amount": ("金额", "Amount"), "decision": ("决定", "Decision"), "reason": ("原因", "Reason"),
    "return_received_at": ("收到退货 (UTC)", "Return received (UTC)"), "refunded_at": ("退款时间 (UTC)", "Refunded (UTC)"),
    "refund_days": ("退款天数", "Refund days"), "ordered_date_local": ("下单日期", "Order date"),
    "sku_id": ("商品编号", "SKU"), "unit_price": ("成交价", "Price paid"), "list_price": ("标示原价", "List price"),
    "reference_price": ("参考价", "Reference price"), "reference_basis": ("参考依据", "Reference basis"),
    "overstatement": ("虚高金额", "Overstatement"), "as_of_date": ("截至日期", "As of"),
    "category": ("类目", "Category"), "tier": ("等级", "Tier"), "tier_name": ("等级名称", "Tier name"),
    "recommended_action": ("建议措施", "Recommended action"), "general_points": ("一般积分", "General points"),
    "serious_points": ("严重积分", "Serious points"), "total_points": ("总积分", "Total points"),
    "top_reasons": ("主要原因", "Top reasons"), "evidence_count": ("证据数", "Evidence"),
    "tier_first_reached_on": ("首次达到日期", "Tier first reached"), "previous_tier": ("上期等级", "Previous tier"),
    "tier_change": ("等级变化", "Tier change"), "rate_scored": ("参与比率评分", "Rate-scored"),
    "evidence_id": ("证据编号", "Evidence id"), "evidence_date": ("证据日期", "Evidence date"),
    "violation_type": ("违规类型", "Violation type"), "severity": ("严重程度", "Severity"),
    "points": ("积分", "Points"), "detail": ("说明", "Detail"), "quantity": ("数量", "Quantity"),
    "ordered_at": ("下单时间 (UTC)", "Ordered (UTC)"), "order_status": ("订单状态", "Order status"),
    "source": ("数据源", "Source"), "delivery_date": ("交付日期", "Delivery date"), "file_name": ("文件名", "File"),
    "rows_read": ("读取行数", "Rows read"), "rows_loaded": ("入库行数", "Rows loaded"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"), "reconciled": ("已对平", "Reconciled"),
    "message": ("消息", "Message"), "rule": ("规则", "Rule"), "column_name": ("字段", "Column"),
    "rows": ("行数", "Rows"), "suite": ("校验套件", "Suite"), "expectation": ("期望", "Expectation"),
    "success": ("通过", "Passed"), "element_count": ("检查行数", "Rows checked"),
    "unexpected_count": ("异常行数", "Unexpected"), "validated_at": ("校验时间", "Validated at"),
    "newest_delivery": ("最新交付", "Newest delivery"), "age_days": ("距今天数", "Age (days)"),
    "deliveries": ("交付次数", "Deliveries"), "flag": ("标记", "Flag"), "run_id": ("运行编号", "Run id"),
    "started_at": ("开始时间", "Started"), "finished_at": ("结束时间", "Finished"),
    "latest_delivery_date": ("最新交付日期", "Latest delivery"), "at_utc": ("时间", "When"),  # shown in the reporting time zone, named in the header
    "actor": ("操作人", "Who"), "action": ("操作", "Action"), "target_object": ("对象", "Target"),
    "lines": ("行数", "Lines"), "verdict": ("结论", "Verdict"), "id": ("编号", "Id"),
    "decided_tier": ("决定等级", "Decided tier"), "computed_tier": ("计算等级", "Computed tier"),
    "path": ("路径", "Path"), "issue": ("问题", "Issue"), "still_present": ("仍存在", "Still present"),
    "detected_at": ("首次发现", "First seen"), "last_seen_at": ("最近发现", "Last seen"),
    "check_name": ("检查", "Check"), "blocked": ("仍阻断", "Blocked"), "failures": ("失败内容", "Failures"),
    "overridden_by": ("放行人", "Released by"), "override_reason": ("放行理由", "Release reason"),
    "overridden_at": ("放行时间", "Released at"), "failed_at": ("失败时间", "Failed at"),
    "override_id": ("放行编号", "Override id"),
}

MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


_FIXED: contextvars.ContextVar[str | None] = contextvars.ContextVar("rw_lang", default=None)


def lang() -> str:
    fixed = _FIXED.get()
    if fixed:
        return fixed
    try:
        value = st.session_state.get("lang", DEFAULT_LANG)
    except Exception:  # outside a script run
        value = DEFAULT_LANG
    return value if value in LANGS else DEFAULT_LANG


def fixed(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """A widget ``format_func`` that keeps the language of this run, wherever it is called later."""
    code = lang()

    def formatted(value: Any) -> str:
        token = _FIXED.set(code)
        try:
            return fn(value)
        finally:
            _FIXED.reset(token)

    return formatted


def t(key: str, **kwargs: Any) -> str:
    zh, en = LABELS.get(key, (key, key))
    text = zh if lang() == "zh" else en
    return text.format(**kwargs) if kwargs else text


def col(name: str) -> str:
    pair = COLUMNS.get(name)
    if not pair:
        return name
    return pair[0] if lang() == "zh" else pair[1]


def relabel(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with headers in the session's language (for display and downloads)."""
    return df.rename(columns={c: col(c) for c in df.columns})


def role_label(role: str) -> str:
    return t(f"role_{role}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def fmt_number(value: Any, digits: int = 0) -> str:
    if _missing(value):
        return "—"
    return f"{float(value):,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    if _missing(value):
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def fmt_month(value: Any) -> str:
    if _missing(value):
        return "—"
    d = pd.Timestamp(value)
    return f"{d.year}年{d.month}月" if lang() == "zh" else f"{MONTHS_EN[d.month - 1]} {d.year}"


def fmt_datetime(value: datetime | float | None, tz: str = "UTC") -> str:
    """An instant (epoch seconds, or a naive UTC timestamp as the warehouse stores them) shown in ``tz``
    (the reporting time zone on the pages), the zone named after it."""
    if _missing(value):
        return "—"
    d = pd.Timestamp(value, unit="s") if isinstance(value, int | float) else pd.Timestamp(value)
    d = (d.tz_localize("UTC") if d.tzinfo is None else d).tz_convert(tz)
    return d.strftime(f"%Y年%m月%d日 %H:%M {tz}") if lang() == "zh" else d.strftime(f"%d %b %Y %H:%M {tz}")


# Code values the warehouse and the state store hold (run, file and report statuses, check severities,
# audit actions): shown in the session's language; a code not listed here is shown as it is.
CODES: dict[str, tuple[str, str]] = {
    "success": ("成功", "success"), "failed": ("失败", "failed"), "running": ("运行中", "running"),
    "nothing_new": ("无新数据", "nothing new"), "ingested": ("仅导入", "ingested only"),
    "abandoned": ("已中止", "abandoned"),
    "loaded": ("已加载", "loaded"), "rejected": ("已拒绝", "rejected"), "unchanged": ("未变化", "unchanged"),
    "superseded": ("已被替换", "superseded"), "quarantined": ("已隔离", "quarantined"),
    "open": ("待处理", "open"), "resolved": ("已解决", "resolved"), "escalated": ("已升级", "escalated"),
    "active": ("正常经营", "active"), "warned": ("已警告", "warned"), "restricted": ("已限制", "restricted"),
    "suspended": ("已暂停", "suspended"), "expelled": ("已清退", "expelled"),
    "built": ("已生成", "built"), "approved": ("已批准", "approved"), "sent": ("已发送", "sent"),
    "acknowledged": ("已确认收到", "acknowledged"), "error": ("错误", "error"), "warn": ("警告", "warning"),
    "warning": ("警告", "warning"), "month": ("月报", "monthly"), "week": ("周报", "weekly"),
    "sign_in": ("登录", "sign-in"), "sign_in_failed": ("登录失败", "failed sign-in"),
    "sign_in_locked": ("账户锁定", "account locked"), "sign_out": ("退出", "sign-out"),
    "download": ("下载", "download"), "decision": ("管理决定", "decision"),
    "report_approved": ("报告批准", "report approved"), "report_rejected": ("报告驳回", "report rejected"),
    "report_acknowledged": ("报告确认收到", "report acknowledged"), "page_denied": ("页面拒绝访问", "page denied"),
}
CODE_COLUMNS = ("status", "severity", "action", "kind")


def code(value: Any) -> str:
    """A code value in the session's language (blank when missing)."""
    if _missing(value):
        return ""
    pair = CODES.get(str(value))
    return str(value) if pair is None else (pair[0] if lang() == "zh" else pair[1])


def fmt_pp(diff: Any) -> str:
    """A change of a rate (fractions 0-1) in percentage points, signed: +1.2 个百分点 / +1.2 pp."""
    if _missing(diff):
        return "—"
    points = float(diff) * 100
    return f"{'+' if points >= 0 else '-'}{abs(points):.1f} {'个百分点' if lang() == 'zh' else 'pp'}"


_UNIT_SUFFIX = {"hours": ("小时", "h"), "days": ("天", "days"), "cny": ("元", "CNY")}


def _is_rate(unit: str | None) -> bool:
    return (unit or "").lower() in {"rate", "ratio", "share", "fraction", "percent", "pct", "%"}


def fmt_kpi(value: Any, unit: str | None) -> str:
    """A KPI value in its unit: rates as percentages, hours/days/CNY with a unit word."""
    if _missing(value):
        return "—"
    if _is_rate(unit):
        return fmt_pct(value)
    u = (unit or "").lower()
    if u in _UNIT_SUFFIX:
        zh, en = _UNIT_SUFFIX[u]
        number = fmt_number(value, 2 if u == "cny" else 1)
        return f"¥{number}" if (u == "cny" and lang() == "zh") else f"{number} {zh if lang() == 'zh' else en}"
    return fmt_number(value, 0 if float(value).is_integer() else 2)


def fmt_target(target: Any, operator: str | None, unit: str | None) -> str:
    if operator in (None, "monitor") or _missing(target):
        return t("monitor")
    return f"{operator} {fmt_kpi(target, unit)}"


def breach_state(breached: Any, operator: str | None) -> str:
    if operator == "monitor":
        return t("monitor")
    if _missing(breached):
        return "—"
    return t("breached") if bool(breached) else t("met")


def kpi_names(defs: pd.DataFrame) -> dict[str, str]:
    """KPI code → name in the session's language (the code itself when the name is missing)."""
    column = "name_zh" if lang() == "zh" else "name_en"
    return {str(c): (str(n) if isinstance(n, str) and n else str(c))
            for c, n in zip(defs["kpi_code"].tolist(), defs[column].tolist(), strict=False)}


def kpi_name(defs: pd.DataFrame, code: str) -> str:
    return kpi_names(defs).get(code, code)


def localized(df: pd.DataFrame, base: str) -> pd.Series:
    """Pick ``<base>_zh`` or ``<base>_en`` of a frame by language."""
    return df[f"{base}_{'zh' if lang() == 'zh' else 'en'}"]


def fmt_change(diff: Any, unit: str | None) -> str:
    """A KPI's change from the previous month: a rate's in percentage points (as the PDF), others signed."""
    if _missing(diff):
        return "—"
    if _is_rate(unit):
        return fmt_pp(diff)
    return ("+" if float(diff) >= 0 else "-") + fmt_kpi(abs(float(diff)), unit)
