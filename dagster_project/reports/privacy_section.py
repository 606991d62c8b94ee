"""The regulator report's section on personal-information requests (PIPL Arts. 44-50): the month's
requests by type and channel, how many were answered on time or late, still open inside or past the
limit, and overdue deletions, from ``marts.rpt_privacy_requests_monthly`` (same judgement as the
three request KPIs, which the headline section shows)."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from dagster_project.reports.data import Column, Section, _rows
from dagster_project.reports.text import pick

REQUEST_TYPES = {
    "access": ("查询/复制", "Access / copy"),
    "correction": ("更正", "Correction"),
    "deletion": ("删除", "Deletion"),
    "withdraw_consent": ("撤回同意", "Withdraw consent"),
    "portability": ("转移", "Portability"),
}
CHANNELS = {
    "in_app": ("应用内", "In app"),
    "hotline": ("热线", "Hotline"),
    "email": ("电子邮件", "E-mail"),
    "regulator_transfer": ("监管转办", "Regulator transfer"),
}


def _label(names: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    zh, en = names.get(code or "", (code or "", code or ""))
    return pick(lang, zh, en)


def privacy_section(con: duckdb.DuckDBPyConnection, tables: set[str], month: date, lang: str) -> Section:
    rows: list[dict[str, Any]] = []
    if "rpt_privacy_requests_monthly" in tables:
        for r in _rows(con, """
            select * from marts.rpt_privacy_requests_monthly where month = ? order by request_type, channel
        """, [month]):
            rows.append({
                "request_type": _label(REQUEST_TYPES, r["request_type"], lang),
                "channel": _label(CHANNELS, r["channel"], lang),
                **{k: r[k] for k in ("requests", "answered_on_time", "answered_late", "pending",
                                     "open_overdue", "deletion_overdue")},
            })
    return Section("privacy_requests", "个人信息权利请求", "Personal-information requests", [
        Column("request_type", "请求类型", "Request type", "label"),
        Column("channel", "渠道", "Channel", "label"),
        Column("requests", "收到", "Received", "int"),
        Column("answered_on_time", "按时处理", "Answered on time", "int"),
        Column("answered_late", "逾期处理", "Answered late", "int"),
        Column("pending", "处理中（未超期）", "Open, within the limit", "int"),
        Column("open_overdue", "超期未处理", "Open past the limit", "int"),
        Column("deletion_overdue", "逾期删除请求", "Overdue deletions", "int"),
    ], rows,
        "按收到月份统计；处理时限见配置（默认15日）。删除请求完成后，仓库中与该消费者的关联即被清除，计数保留。",
        "Counted in the month received; the time limit is configured (default 15 days). Once a deletion "
        "request is completed the warehouse erases every link to that consumer; the counts stay.")
