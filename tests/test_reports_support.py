"""A small published warehouse with the documented mart columns (docs/architecture.md), so the report
tests do not depend on a whole pipeline build; and helpers that read report files back."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import duckdb

KPI_DEFS = [
    # code, name_zh, name_en, right, unit, target, op
    ("complaint_first_response_24h_rate", "投诉24小时首次响应率", "Complaint first response within 24 h",
     "compensation", "rate", 0.95, ">="),
    ("complaint_resolved_rate", "投诉解决率", "Complaint resolved rate", "compensation", "rate", 0.90, ">="),
    ("complaint_resolution_median_hours", "投诉解决时长中位数", "Median complaint resolution hours",
     "compensation", "hours", 168.0, "<="),
    ("refund_within_7d_rate", "7日内退款率", "Refunds within 7 days", "returns", "rate", 1.0, ">="),
    ("nrr_refusal_rate", "七日无理由退货拒绝率", "No-reason return refusal rate", "returns", "rate", 0.0, "="),
    ("fake_original_price_count", "虚构原价订单行数", "Fake original price lines", "fair_trade", "count", 0.0, "="),
    ("expired_licence_order_count", "执照过期期间订单行数", "Order lines on an expired licence", "information",
     "count", 0.0, "="),
    ("complaints_per_1000_orders", "每千单投诉数", "Complaints per 1000 orders", "compensation",
     "per_1000_orders", None, "monitor"),
]

VALUES_JAN = {
    "complaint_first_response_24h_rate": (0.9123, 0.9301),
    "complaint_resolved_rate": (0.95, 0.91),
    "complaint_resolution_median_hours": (31.5, 40.0),
    "refund_within_7d_rate": (0.875, 0.9),
    "nrr_refusal_rate": (0.0125, 0.0),
    "fake_original_price_count": (7.0, 3.0),
    "expired_licence_order_count": (0.0, 2.0),
    "complaints_per_1000_orders": (4.25, 3.9),
}
CUTOFF = datetime(2026, 1, 31, 15, 59, 59, 999999)  # 2026-01-31 23:59:59.999999 Asia/Shanghai


# The fake dictionary's report topics, as rpt_kpi_definitions publishes them (report_topic, title_zh,
# title_en; dbt macro kpi_report_topics); complaints_per_1000_orders sits with the complaint KPIs there too.
TOPICS = {
    "complaints": ("投诉处理时效", "Complaint-handling timeliness"),
    "refunds": ("退款与七日无理由退货", "Refunds and no-reason returns"),
    "price": ("价格诚信", "Price honesty"),
    "qualification": ("商家资质", "Merchant qualification"),
}
KPI_TOPIC = {
    "complaint_first_response_24h_rate": "complaints", "complaint_resolved_rate": "complaints",
    "complaint_resolution_median_hours": "complaints", "complaints_per_1000_orders": "complaints",
    "refund_within_7d_rate": "refunds", "nrr_refusal_rate": "refunds",
    "fake_original_price_count": "price", "expired_licence_order_count": "qualification",
}


def report_topics() -> dict[str, tuple[str, str, str]]:
    """kpi_code -> (report_topic, title_zh, title_en) of the fake dictionary."""
    return {code: (topic, *TOPICS[topic]) for code, topic in KPI_TOPIC.items()}


def _breached(value, target, op):
    if value is None or op == "monitor":
        return None
    return {">=": value < target, "<=": value > target, "<": value >= target, "=": value != target}[op]


def make_marts(path: Path, *, pipeline_status: str = "success", failed_error_check: bool = False,
               unreconciled: bool = False, cutoff: datetime = CUTOFF, jan_shift: float = 0.0,
               merchant_name: str = "=HYPERLINK(\"http://evil\")") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.rpt_kpi_definitions (kpi_code varchar, name_zh varchar, name_en varchar,
        right_category varchar, start_event varchar, unit varchar, target double, target_operator varchar,
        legal_basis_zh varchar, legal_basis_en varchar, definition_en varchar, sort_order integer,
        report_topic varchar, report_topic_zh varchar, report_topic_en varchar)""")
    topics = report_topics()
    for place, (code, zh, en, right, unit, target, op) in enumerate(KPI_DEFS, start=1):
        topic = topics.get(code, (None, None, None))
        con.execute("insert into marts.rpt_kpi_definitions values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [code, zh, en, right, "received_at", unit, target, op, "《电子商务法》第五十九条",
                     "E-Commerce Law Art. 59", "def", place, *topic])
    con.execute("""create table marts.rpt_kpi_monthly (month date, merchant_id varchar, kpi_code varchar,
        numerator double, denominator double, value double, target double, target_operator varchar,
        breached boolean, pending_count bigint, unverifiable_count bigint, cutoff_at timestamp)""")
    for code, _zh, _en, _r, _u, target, op in KPI_DEFS:
        jan, dec = VALUES_JAN[code]
        jan = jan + jan_shift
        for month, value in ((date(2026, 1, 1), jan), (date(2025, 12, 1), dec)):
            con.execute("insert into marts.rpt_kpi_monthly values (?,?,?,?,?,?,?,?,?,?,?,?)",
                        [month, None, code, value * 1000, 1000.0, value, target, op,
                         _breached(value, target, op), 3, 0, cutoff])
        con.execute("insert into marts.rpt_kpi_monthly values (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [date(2026, 1, 1), "M0042", code, 5.0, 10.0, 0.5, target, op,
                     _breached(0.5, target, op), 0, 0, cutoff])
    con.execute("""create table marts.rpt_rights_monthly (month date, right_category varchar, complaints bigint,
        substantiated_share double, resolved_share double, median_resolution_hours double,
        complaints_mom_change double)""")
    for right, n in (("compensation", 120), ("returns", 80), ("privacy", 5)):
        con.execute("insert into marts.rpt_rights_monthly values (?,?,?,?,?,?,?)",
                    [date(2026, 1, 1), right, n, 0.5, 0.9, 30.0, 0.1])
    con.execute("""create table marts.rpt_kpi_config (var_name varchar, value varchar, applies_to varchar)""")
    con.execute("insert into marts.rpt_kpi_config values ('rw_reporting_tz', 'Asia/Shanghai', 'all'), "
                "('rw_first_response_target', '0.95', 'k'), ('rw_refund_days', '7', 'k')")
    con.execute("""create table marts.fct_price_checks (order_id varchar, line_no bigint, merchant_id varchar,
        sku_id varchar, ordered_date_local date, unit_price decimal(18,2), list_price decimal(18,2),
        reference_price decimal(18,2), reference_basis varchar, verdict varchar)""")
    con.execute("insert into marts.fct_price_checks values ('O1',1,'M0042','S1','2026-01-10',10,99,10,'7day_min','fake'),"
                "('O2',1,'M0042','S1','2026-01-11',10,10,10,'7day_min','ok')")
    con.execute("""create table marts.rpt_merchant_enforcement (as_of_date date, merchant_id varchar,
        merchant_name varchar, category varchar, region varchar, tier integer, tier_name_zh varchar,
        tier_name_en varchar, recommended_action_zh varchar, recommended_action_en varchar,
        general_points double, serious_points double, points_by_type varchar, top_reasons_zh varchar,
        top_reasons_en varchar, evidence_count bigint, evidence_ids varchar, tier_first_reached_on date,
        previous_tier integer, tier_change integer, rate_scored boolean)""")
    con.execute("insert into marts.rpt_merchant_enforcement values ('2026-01-31','M0042',?, 'food','SH',2,"
                "'限制','restricted','限制流量与促销','traffic and promotion restricted',24,12,'{}',"
                "'假货投诉\n多次','counterfeit\ncomplaints',5,'[]','2026-01-20',1,1,true)", [merchant_name])
    con.execute("insert into marts.rpt_merchant_enforcement values ('2026-01-31','M0001','Honest Shop','food','SH',0,"
                "'正常','clear','无','none',0,0,'{}','','',0,'[]',null,0,0,true)")
    con.execute("""create table marts.dq_file_reconciliation (source varchar, delivery_date date, file_name varchar,
        file_sha256 varchar, status varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
        reconciled boolean, message varchar, loaded_at timestamp)""")
    for day in (5, 20):
        con.execute("insert into marts.dq_file_reconciliation values ('orders',?, 'orders.csv','abc','loaded',100,98,2,true,null,?)",
                    [date(2026, 1, day), datetime(2026, 1, day, 2)])
    if unreconciled:
        con.execute("insert into marts.dq_file_reconciliation values ('refunds','2026-01-21','refunds.csv','def',"
                    "'loaded',10,8,1,false,null,'2026-01-21 02:00:00')")
    con.execute("""create table marts.dq_gx_results (run_id varchar, source varchar, delivery_date date, suite varchar,
        expectation varchar, column_name varchar, severity varchar, success boolean, element_count bigint,
        unexpected_count bigint, details varchar, validated_at timestamp)""")
    con.execute("insert into marts.dq_gx_results values ('r1','orders','2026-01-05','orders','expect_x','qty','warn',"
                "false,100,1,null,'2026-01-05 02:00:00')")
    if failed_error_check:
        con.execute("insert into marts.dq_gx_results values ('r1','orders','2026-01-20','orders','expect_not_null',"
                    "'order_id','error',false,100,4,null,'2026-01-20 02:00:00')")
    con.execute("""create table marts.dq_pipeline_runs (run_id varchar, started_at timestamp, finished_at timestamp,
        status varchar, latest_delivery_date date, message varchar)""")
    con.execute("insert into marts.dq_pipeline_runs values ('run-ok','2026-02-01 01:00:00','2026-02-01 01:10:00',"
                "?, '2026-01-31', null)", [pipeline_status])
    con.close()
    return path


def read_csv(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
