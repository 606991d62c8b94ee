"""Tiny landing deliveries for the ingestion tests, written in tmp_path.

Rows are dicts of delivered strings; ``valid_*`` give a row that passes every contract rule so a
test changes only what it is about. Nothing here depends on the sample-data generator.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.contract import load_contract
from dagster_project.ingest import SourceResult, ingest_source
from dagster_project.warehouse.work_db import ensure_schema

KEY = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
VALID_USCC = "91350100M000100Y43"
DELIVERY = "2026-10-25"


def columns(source: str) -> list[str]:
    return list(load_contract()[source].column_names)


def valid_order(**overrides: str) -> dict[str, str]:
    row = {
        "order_id": "O-1", "line_no": "1", "merchant_id": "M-1", "consumer_id": "CONSUMER-SECRET-0001",
        "consumer_phone": "13912345678", "sku_id": "SKU-1", "quantity": "2", "unit_price": "19.90",
        "list_price": "29.90", "currency": "CNY", "ordered_at": "2026-10-01T08:00:00",
        "paid_at": "2026-10-01T08:05:00", "promised_ship_by": "", "shipped_at": "", "delivered_at": "",
        "nrr_exempt": "false", "order_status": "paid", "channel": "app", "ship_to_region": "浙江省",
        "updated_at": "2026-10-01T08:05:00",
    }
    row.update(overrides)
    return row


def valid_merchant(**overrides: str) -> dict[str, str]:
    row = {
        "merchant_id": "M-1", "merchant_name": "杭州示例电子商务有限公司", "business_license_no": VALID_USCC,
        "license_expires_on": "2030-12-31", "category": "electronics", "region": "浙江省",
        "onboarded_at": "2025-01-01T09:00:00", "status": "active", "contact_phone": "13700001111",
        "updated_at": "2026-10-01T00:00:00",
    }
    row.update(overrides)
    return row


def valid_complaint(**overrides: str) -> dict[str, str]:
    row = {
        "complaint_id": "C-1", "order_id": "O-1", "merchant_id": "M-1", "consumer_id": "CONSUMER-SECRET-0001",
        "channel": "in_app", "right_category": "returns", "issue_code": "refund_refused",
        "received_at": "2026-10-02T10:00:00", "first_response_at": "2026-10-02T11:00:00", "verified_at": "",
        "resolved_at": "", "status": "open", "outcome": "", "substantiated": "", "compensation_amount": "",
        "advance_compensation": "", "escalated_at": "", "satisfaction": "", "description": "商品与描述不符",
        "updated_at": "2026-10-02T11:00:00",
    }
    row.update(overrides)
    return row


def valid_refund(**overrides: str) -> dict[str, str]:
    row = {
        "refund_id": "R-1", "order_id": "O-1", "line_no": "1", "merchant_id": "M-1", "reason": "quality",
        "requested_at": "2026-10-03T10:00:00", "decided_at": "", "decision": "pending",
        "return_received_at": "", "refunded_at": "", "amount": "19.90", "updated_at": "2026-10-03T10:00:00",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    header = header or list(rows[0])
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return buf.getvalue().encode(encoding)


def jsonl_bytes(rows: list[dict | str]) -> bytes:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class Landing:
    """A landing root plus a work DuckDB with the raw and meta tables."""

    root: Path
    db_path: Path
    con: duckdb.DuckDBPyConnection

    def write(self, source: str, name: str, data: bytes, delivery: str = DELIVERY, gz: bool = False) -> Path:
        folder = self.root / source / delivery
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    def write_csv(self, source: str, name: str, rows: list[dict], delivery: str = DELIVERY, **kwargs) -> Path:
        return self.write(source, name, csv_bytes(rows, **kwargs), delivery)

    def write_parquet(self, source: str, name: str, table: pa.Table, delivery: str = DELIVERY) -> Path:
        folder = self.root / source / delivery
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / name)
        return folder / name

    def ingest(self, source: str, progress=None) -> SourceResult:
        return ingest_source(self.con, source=source, landing_root=self.root, key=KEY, run_id="test-run", progress=progress)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def quarantine(self) -> list[dict]:
        cur = self.con.execute(
            "SELECT source, delivery_date, file_name, line, rule, column_name, message, raw_values "
            "FROM meta.quarantine ORDER BY file_name, line"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def registry(self) -> list[dict]:
        cur = self.con.execute("SELECT * FROM meta.file_registry ORDER BY delivery_date, file_name, loaded_at")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def make_landing(tmp_path: Path) -> Landing:
    db_path = tmp_path / "rw.work.duckdb"
    con = duckdb.connect(str(db_path))
    ensure_schema(con)
    return Landing(root=tmp_path / "landing", db_path=db_path, con=con)
