"""Access and copy (PIPL Art. 45): what the warehouse holds about one consumer, in CSV and JSON.

The operator gives the clear consumer id (argument or stdin); it is hashed with the key to find the
pseudonym, the only form in which the person exists in the warehouse. Orders, complaints, refunds
(of that consumer's orders) and personal-information requests are read from the published file and
written as ``<table>.csv`` (UTF-8 with BOM, for Excel) and ``<table>.json``, with a short cover note in
Chinese and English. After an erasure the pseudonym is gone, so the export holds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from contextlib import closing
from pathlib import Path

import duckdb

from dagster_project.reports.cell_safety import neutralise_cell

TABLES: dict[str, str] = {
    "orders": "SELECT * EXCLUDE (consumer_key) FROM marts.fct_order_lines WHERE consumer_key = $key "
              "ORDER BY order_id, line_no",
    "complaints": "SELECT * EXCLUDE (consumer_key) FROM marts.fct_complaints WHERE consumer_key = $key "
                  "ORDER BY complaint_id",
    "refunds": "SELECT * FROM marts.fct_refunds WHERE order_id IN "
               "(SELECT order_id FROM marts.fct_order_lines WHERE consumer_key = $key) ORDER BY refund_id",
    "privacy_requests": "SELECT * EXCLUDE (consumer_key) FROM marts.fct_privacy_requests WHERE consumer_key = $key "
                        "ORDER BY request_id",
}

COVER_NOTE = """个人信息副本 / Copy of personal information

本目录包含 RightsWatch 数据仓库中与该消费者相关的全部记录（订单、投诉、退款、个人信息权利请求），
生成于 {at} UTC。仓库不保存消费者编号和手机号明文，只保存以密钥生成的假名；本副本按假名检索。
每张表提供 CSV（UTF-8 带 BOM）和 JSON 两种格式。记录数：{counts_zh}。

This folder holds every record the RightsWatch warehouse keeps about this consumer (orders,
complaints, refunds, personal-information requests), produced at {at} UTC. The warehouse never
stores consumer ids or phone numbers in clear, only keyed pseudonyms; this copy was found by that
pseudonym. Each table comes as CSV (UTF-8 with BOM) and JSON. Records: {counts_en}.
"""


def _json_default(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else str(value)
    return neutralise_cell(text)


def export_consumer(published: Path, pseudonym: str, out: Path) -> dict[str, int]:
    """Write the consumer's records under ``out``; returns the row count per table."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with closing(duckdb.connect(str(published), read_only=True)) as con:
        for name, sql in TABLES.items():
            cur = con.execute(sql, {"key": pseudonym})
            header = [d[0] for d in cur.description]
            rows = cur.fetchall()
            counts[name] = len(rows)
            with (out / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows([_csv_cell(v) for v in row] for row in rows)
            records = [dict(zip(header, row, strict=True)) for row in rows]
            (out / f"{name}.json").write_text(
                json.dumps(records, ensure_ascii=False, indent=2, default=_json_default) + "\n", encoding="utf-8")
    at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    names_zh = {"orders": "订单", "complaints": "投诉", "refunds": "退款", "privacy_requests": "权利请求"}
    (out / "README.txt").write_text(COVER_NOTE.format(
        at=at,
        counts_zh="，".join(f"{names_zh[k]} {v}" for k, v in counts.items()),
        counts_en=", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()),
    ), encoding="utf-8")
    return counts
