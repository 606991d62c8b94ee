"""End-to-end check of the dbt foundation on a small hand-made work database.

Raw and registry rows are written with plain SQL (no ingestion or generator code), `dbt build` runs
through dbt's Python API on a temporary RW_WAREHOUSE, and a few mart values computed by hand are
checked: latest version wins, an earlier rw_cutoff reproduces the earlier version, fake-price
verdicts, reference flags and file reconciliation.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.warehouse import memory
from dagster_project.warehouse.work_db import ensure_schema

dbt_main = pytest.importorskip("dbt.cli.main")

# Only the foundation's own models (the KPI and scoring models are tested by their owners).
SELECT = [
    "path:models/staging",
    "path:models/intermediate/core",
    "path:models/marts/core",
    "path:models/marts/dq",
    # the fifth source's versions and fact: dq_row_flags and the pseudonym test read them
    "int_privacy_requests__versions_as_of",
    "int_privacy_requests__latest",
    "fct_privacy_requests",
]

D1, D2, D3 = date(2026, 1, 30), date(2026, 2, 1), date(2026, 2, 2)
T = datetime.fromisoformat  # all timestamps below are UTC (raw convention); Shanghai = UTC + 8

LICENCE = "91350100M000100Y43"
TRICKY_DESCRIPTION = '=HYPERLINK("http://x") <b>"假货"</b>, line1\nline2'


def merchant(mid, updated_at, status="active", **kw):
    row = dict(
        merchant_id=mid,
        merchant_name=f"商家{mid}",
        business_license_no=LICENCE,
        category="food",
        region="Fujian",
        onboarded_at=T("2025-01-01 00:00"),
        status=status,
        updated_at=T(updated_at),
    )
    return row | kw


def order(oid, mid, sku, ordered_at, unit, list_price=None, updated_at=None, status="paid", **kw):
    row = dict(
        order_id=oid,
        line_no=1,
        merchant_id=mid,
        consumer_key="c" * 64,
        sku_id=sku,
        quantity=2,
        unit_price=unit,
        list_price=list_price,
        ordered_at=T(ordered_at),
        order_status=status,
        channel="app",
        ship_to_region="Fujian",
        updated_at=T(updated_at or ordered_at),
    )
    return row | kw


def complaint(cid, oid, mid, received_at, updated_at, status="in_progress", **kw):
    row = dict(
        complaint_id=cid,
        order_id=oid,
        merchant_id=mid,
        consumer_key="c" * 64,
        channel="in_app",
        right_category="fair_trade",
        issue_code="fake_discount",
        received_at=T(received_at),
        status=status,
        updated_at=T(updated_at),
    )
    return row | kw


# (source, delivery date, file name) -> rows
DELIVERIES: dict[tuple[str, date, str], list[dict]] = {
    ("merchants", D1, "merchants.csv"): [
        merchant("M1", "2026-01-29 02:00"),
        merchant("M2", "2026-01-29 02:00"),
    ],
    ("merchants", D2, "merchants.csv"): [
        # M1's second version (warned) from 2026-02-01 18:00 Shanghai.
        merchant("M1", "2026-02-01 10:00", status="warned"),
    ],
    ("orders", D1, "orders.csv"): [
        order("O1", "M1", "S1", "2026-01-20 02:00", 100),
        order("O2", "M1", "S1", "2026-01-25 02:00", 80),
        # d = 01-28; days 01-21..01-27 hold O2 at 80 -> reference 80 (7day_min), 120 > 80 -> fake.
        order("O3", "M1", "S1", "2026-01-28 02:00", 90, list_price=120),
        order("O7", "M2", "S2", "2026-01-10 02:00", 60),
        # d = 01-30; nothing in 01-23..01-29 -> last line before d: O7 at 60 -> 70 > 60 -> fake.
        order("O8", "M2", "S2", "2026-01-30 02:00", 55, list_price=70),
        # no earlier line of M2 for S3 -> unverifiable.
        order("O9", "M2", "S3", "2026-01-30 03:00", 40, list_price=100),
        # orphan: merchant M9 was never delivered; ingestion had flagged a timestamp order already.
        order(
            "O10",
            "M9",
            "S1",
            "2026-01-29 02:00",
            10,
            paid_at=T("2026-01-29 01:00"),
            _dq_flags="paid_at_before_ordered_at",
        ),
    ],
    ("orders", D2, "orders.csv"): [
        # 2026-01-31 16:30 UTC is 2026-02-01 00:30 in Shanghai: local day 02-01, month February.
        # d = 02-01: days 01-25..01-31 -> min(80, 90) = 80; list 80 is not above 80 -> ok. The same-day
        # line O6 at 50 must not count (it would make this line fake).
        order("O5", "M1", "S1", "2026-01-31 16:30", 95, list_price=80),
        order("O6", "M1", "S1", "2026-02-01 03:00", 50, list_price=85),
    ],
    ("orders", D3, "orders.csv"): [
        # O3 completes later: the latest version wins by default, the first one with an earlier cut-off.
        order(
            "O3",
            "M1",
            "S1",
            "2026-01-28 02:00",
            90,
            list_price=120,
            updated_at="2026-02-02 05:00",
            status="completed",
        ),
        # A version stamped after its own delivery day (02-03 09:00 Shanghai, delivered 02-02) is known
        # from its delivery day (landing contract 1.1): it wins as the latest, flagged
        # updated_at_after_delivery, although it is stamped after the default cut-off.
        order("O1", "M1", "S1", "2026-01-20 02:00", 100, updated_at="2026-02-03 01:00", status="returned"),
    ],
    ("complaints", D2, "complaints.csv"): [
        complaint(
            "C1",
            "O1",
            "M1",
            "2026-01-31 16:30",
            "2026-02-01 05:00",
            first_response_at=T("2026-02-01 04:30"),
            description=TRICKY_DESCRIPTION,
        ),
        complaint("C2", "O404", "M1", "2026-02-01 01:00", "2026-02-01 01:00"),
        complaint("C3", None, "M9", "2026-02-01 01:00", "2026-02-01 01:00"),
    ],
    ("complaints", D3, "complaints.csv"): [
        complaint(
            "C1",
            "O1",
            "M1",
            "2026-01-31 16:30",
            "2026-02-02 06:00",
            status="resolved",
            first_response_at=T("2026-02-01 04:30"),
            resolved_at=T("2026-02-02 06:00"),
            description=TRICKY_DESCRIPTION,
        ),
    ],
    ("refunds", D2, "refunds.csv"): [
        dict(
            refund_id="R1",
            order_id="O1",
            merchant_id="M1",
            reason="quality",
            requested_at=T("2026-01-21 00:00"),
            decision="approved",
            return_received_at=T("2026-01-22 00:00"),
            refunded_at=T("2026-01-25 12:00"),
            amount=100,
            updated_at=T("2026-01-25 12:00"),
        ),
        dict(
            refund_id="R2",
            order_id="O404",
            merchant_id="M1",
            reason="other",
            requested_at=T("2026-02-01 00:00"),
            decision="pending",
            amount=5,
            updated_at=T("2026-02-01 00:00"),
        ),
    ],
}
# One record of orders.csv of D1 was quarantined; a refunds file of D3 was rejected whole.
QUARANTINED = {("orders", D1, "orders.csv"): 1}
REJECTED = ("refunds", D3, "refunds_bad.csv")


def _insert(con, table: str, row: dict) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def _load_fixture(work_db: Path) -> None:
    con = duckdb.connect(str(work_db), config=memory.duckdb_config(work_db))  # as dbt opened it
    ensure_schema(con)
    loaded_at = T("2026-02-03 00:00")
    for (source, delivery, file_name), rows in DELIVERIES.items():
        sha = f"{source}-{delivery}-{file_name}".ljust(64, "0")
        for line, row in enumerate(rows, start=2):
            meta = dict(
                _delivery_date=delivery,
                _file_name=file_name,
                _file_sha256=sha,
                _line=line,
                _loaded_at=loaded_at,
            )
            _insert(con, f"raw.{source}", {k: v for k, v in row.items() if v is not None} | meta)
        quarantined = QUARANTINED.get((source, delivery, file_name), 0)
        for i in range(quarantined):
            _insert(
                con,
                "meta.quarantine",
                dict(
                    source=source,
                    delivery_date=delivery,
                    file_name=file_name,
                    file_sha256=sha,
                    line=100 + i,
                    rule="required_missing",
                    column_name="sku_id",
                    message="sku_id is required",
                    raw_values=json.dumps({"order_id": "OQ"}),
                    quarantined_at=loaded_at,
                    run_id="r1",
                ),
            )
        _insert(
            con,
            "meta.file_registry",
            dict(
                source=source,
                delivery_date=delivery,
                file_name=file_name,
                file_sha256=sha,
                file_bytes=1000,
                file_format="csv",
                encoding="utf-8",
                status="loaded",
                rows_read=len(rows) + quarantined,
                rows_loaded=len(rows),
                rows_quarantined=quarantined,
                loaded_at=loaded_at,
                run_id="r1",
            ),
        )
    source, delivery, file_name = REJECTED
    _insert(
        con,
        "meta.file_registry",
        dict(
            source=source,
            delivery_date=delivery,
            file_name=file_name,
            file_sha256="f" * 64,
            file_bytes=10,
            file_format="csv",
            encoding="utf-8",
            status="rejected",
            rows_read=0,
            rows_loaded=0,
            rows_quarantined=0,
            message="refunds_bad.csv: missing required column amount",
            loaded_at=loaded_at,
            run_id="r1",
        ),
    )
    _insert(
        con,
        "meta.quarantine",
        dict(
            source=source,
            delivery_date=delivery,
            file_name=file_name,
            file_sha256="f" * 64,
            line=None,
            rule="missing_required_column",
            column_name="amount",
            message="missing",
            quarantined_at=loaded_at,
            run_id="r1",
        ),
    )
    _insert(
        con,
        "meta.pipeline_runs",
        dict(
            run_id="r1",
            started_at=loaded_at,
            finished_at=loaded_at,
            status="success",
            latest_delivery_date=D3,
        ),
    )
    con.close()


def _dbt(tmp_path: Path, *args: str, manifest=None):
    result = dbt_main.dbtRunner(manifest=manifest).invoke(
        [
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
        ]
    )
    failures = []
    if result.result is not None and hasattr(result.result, "results"):
        failures = [
            f"{r.node.name}: {r.status} {r.message}"
            for r in result.result.results
            if str(r.status) not in ("success", "pass")
        ]
    assert result.success, f"dbt {' '.join(args)} failed: {result.exception or failures}"
    return result.result


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("dbt_build")
    warehouse = tmp_path / "rightswatch.duckdb"
    work_db = tmp_path / "rightswatch.work.duckdb"
    _load_fixture(work_db)
    mp = pytest.MonkeyPatch()
    mp.setenv("RW_WAREHOUSE", str(warehouse))
    # as the pipeline's dbt step: the memory settings in force, for dbt's profile (undone with the rest)
    for name in (memory.MEMORY_ENV, memory.TEMP_ENV):
        mp.delenv(name, raising=False)
    memory.export_for_dbt(work_db)
    try:
        # Parse once and reuse the manifest (vars are applied when the nodes are rendered at run time).
        manifest = _dbt(tmp_path, "parse")
        _dbt(tmp_path, "build", "--select", *SELECT, manifest=manifest)
        con = duckdb.connect(str(work_db), config=memory.duckdb_config(work_db))  # as dbt opened it
        default = {
            "order_lines": _rows(con, "select * from marts.fct_order_lines order by order_id"),
            "complaints": _rows(con, "select * from marts.fct_complaints order by complaint_id"),
            "refunds": _rows(con, "select * from marts.fct_refunds order by refund_id"),
            "merchants": _rows(con, "select * from marts.dim_merchants order by merchant_id, valid_from"),
            "price_checks": _rows(con, "select * from marts.fct_price_checks order by order_id"),
            "reconciliation": _rows(
                con, "select * from marts.dq_file_reconciliation order by source, delivery_date, file_name"
            ),
            "row_flags": _rows(con, "select * from marts.dq_row_flags order by source, delivery_date, flag"),
            "quarantine": _rows(con, "select * from marts.dq_quarantine"),
        }
        con.close()
        # Rebuild the facts as of an earlier cut-off (end of 2026-02-01, Shanghai).
        _dbt(
            tmp_path,
            "run",
            "--select",
            "+fct_order_lines",
            "+fct_complaints",
            "+dim_merchants",
            "--vars",
            '{"rw_cutoff": "2026-02-01 23:59:59"}',
            manifest=manifest,
        )
        con = duckdb.connect(str(work_db), config=memory.duckdb_config(work_db))  # as dbt opened it
        earlier = {
            "order_lines": _rows(con, "select * from marts.fct_order_lines order by order_id"),
            "complaints": _rows(con, "select * from marts.fct_complaints order by complaint_id"),
            "merchants": _rows(con, "select * from marts.dim_merchants order by merchant_id, valid_from"),
        }
        con.close()
    finally:
        mp.undo()
    return {"default": default, "earlier": earlier}


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _by(rows, key):
    return {r[key]: r for r in rows}


def test_latest_version_as_of_default_cutoff(built):
    lines = _by(built["default"]["order_lines"], "order_id")
    assert set(lines) == {"O1", "O2", "O3", "O5", "O6", "O7", "O8", "O9", "O10"}
    assert lines["O3"]["order_status"] == "completed"  # delivered D3, latest wins
    assert lines["O1"]["order_status"] == "returned"  # stamped after its delivery day: visible, flagged
    assert lines["O3"]["currency"] == "CNY" and lines["O3"]["nrr_exempt"] is False  # defaults
    assert lines["O3"]["line_amount"] == 180  # 2 x 90
    assert lines["O5"]["ordered_date_local"] == date(2026, 2, 1)
    assert lines["O5"]["order_month"] == date(2026, 2, 1)  # 16:30 UTC on 31 Jan is February in Shanghai
    assert lines["O10"]["is_known_merchant"] is False
    assert lines["O10"]["dq_flags"] == "paid_at_before_ordered_at,unknown_merchant"
    assert lines["O1"]["is_known_merchant"] is True and lines["O1"]["dq_flags"] == "updated_at_after_delivery"
    assert lines["O3"]["dq_flags"] is None  # stamped within its delivery day


def test_earlier_cutoff_reproduces_earlier_versions(built):
    lines = _by(built["earlier"]["order_lines"], "order_id")
    assert lines["O3"]["order_status"] == "paid"  # the D3 version was not yet known
    complaints = _by(built["earlier"]["complaints"], "complaint_id")
    assert complaints["C1"]["status"] == "in_progress" and complaints["C1"]["version_count"] == 1
    merchants = built["earlier"]["merchants"]
    # M1's second version (2026-02-01 18:00 local) is before the cut-off: both versions known.
    assert [(m["merchant_id"], m["status"], m["is_current"]) for m in merchants] == [
        ("M1", "active", False),
        ("M1", "warned", True),
        ("M2", "active", True),
    ]


def test_complaints_and_refunds(built):
    complaints = _by(built["default"]["complaints"], "complaint_id")
    c1 = complaints["C1"]
    assert (c1["status"], c1["version_count"]) == ("resolved", 2)
    assert c1["received_month"] == date(2026, 2, 1)
    assert c1["first_response_hours"] == pytest.approx(12.0)
    assert c1["resolution_hours"] == pytest.approx(37.5)
    assert c1["description"] == TRICKY_DESCRIPTION  # exactly as delivered
    assert (complaints["C2"]["is_known_order"], complaints["C2"]["dq_flags"]) == (False, "unknown_order")
    c3 = complaints["C3"]
    assert c3["is_known_order"] is None and c3["dq_flags"] == "unknown_merchant"
    refunds = _by(built["default"]["refunds"], "refund_id")
    assert refunds["R1"]["refund_days"] == pytest.approx(3.5)
    assert refunds["R1"]["requested_month"] == date(2026, 1, 1)
    assert (refunds["R2"]["is_known_order"], refunds["R2"]["dq_flags"]) == (False, "unknown_order")


def test_merchant_licence_history(built):
    merchants = built["default"]["merchants"]
    m1 = [m for m in merchants if m["merchant_id"] == "M1"]
    assert [m["status"] for m in m1] == ["active", "warned"]
    assert m1[0]["valid_to"] == m1[1]["valid_from"] == T("2026-02-01 10:00")
    assert m1[1]["valid_to"] is None and m1[1]["is_current"] is True


def test_price_check_verdicts(built):
    checks = {
        r["order_id"]: (r["reference_basis"], r["reference_price"], r["verdict"])
        for r in built["default"]["price_checks"]
    }
    assert checks == {
        "O3": ("7day_min", 80, "fake"),
        "O5": ("7day_min", 80, "ok"),  # same-day O6 (50) excluded
        "O6": ("7day_min", 80, "fake"),
        "O8": ("last_before", 60, "fake"),
        "O9": ("none", None, "unverifiable"),
    }


def test_file_reconciliation_and_flags(built):
    recon = built["default"]["reconciliation"]
    loaded = [r for r in recon if r["status"] == "loaded"]
    assert len(loaded) == len(DELIVERIES) and all(r["reconciled"] for r in loaded)
    orders_d1 = next(r for r in loaded if (r["source"], r["delivery_date"]) == ("orders", D1))
    assert (orders_d1["rows_read"], orders_d1["rows_loaded"], orders_d1["rows_quarantined"]) == (8, 7, 1)
    rejected = [r for r in recon if r["status"] == "rejected"]
    assert [(r["file_name"], r["message"]) for r in rejected] == [
        ("refunds_bad.csv", "refunds_bad.csv: missing required column amount")
    ]
    assert len(built["default"]["quarantine"]) == 2
    flags = {(r["source"], r["delivery_date"], r["flag"]): r["rows"] for r in built["default"]["row_flags"]}
    assert flags == {
        ("complaints", D2, "unknown_merchant"): 1,
        ("complaints", D2, "unknown_order"): 1,
        ("orders", D1, "paid_at_before_ordered_at"): 1,
        ("orders", D1, "unknown_merchant"): 1,
        ("orders", D3, "updated_at_after_delivery"): 1,  # landing contract 1.1 soft rule, shown per delivery
        ("refunds", D2, "unknown_order"): 1,
    }
