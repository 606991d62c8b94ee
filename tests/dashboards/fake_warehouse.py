"""A small published warehouse with the documented mart columns, for dashboard tests.

Used when the pipeline's ``sample_build`` fixture is not available; also the source of the planted
hostile complaint description (markup and a spreadsheet formula) which is added to either warehouse.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

HOSTILE_ID = "C-HOSTILE-1"
HOSTILE_DESCRIPTION = '=HYPERLINK("http://evil.example","click") <script>alert("rw")</script> <b>bold</b>'

KPIS = [
    # code, name_zh, name_en, right, unit, target, operator
    ("complaint_first_response_24h_rate", "24小时首次响应率", "First response within 24 h", "compensation",
     "rate", 0.95, ">="),
    ("complaint_resolved_rate", "投诉解决率", "Complaints resolved", "compensation", "rate", 0.90, ">="),
    ("complaint_resolution_median_hours", "投诉解决时长中位数", "Median resolution time", "compensation",
     "hours", 168.0, "<="),
    ("refund_within_7d_rate", "7日内退款率", "Refunds within 7 days", "returns", "rate", 1.0, ">="),
    ("nrr_refusal_rate", "无理由退货拒绝率", "No-reason return refusals", "returns", "rate", 0.0, "="),
    ("fake_original_price_rate", "虚构原价比例", "Fake original price rate", "fair_trade", "rate", 0.0, "="),
    ("complaint_escalation_rate", "投诉升级率", "Escalation rate", "compensation", "rate", None, "monitor"),
]
MERCHANTS = [("M001", "诚信数码专营店", "electronics", "广东"), ("M002", "快乐母婴旗舰店", "baby", "浙江"),
             ("M003", "Global Beauty", "beauty", "上海"), ("M004", "老王食品", "food", "北京")]
MONTHS = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
RIGHTS = ["information", "fair_trade", "returns", "compensation", "privacy"]
ISSUES = ["quality_defect", "counterfeit", "late_delivery", "price_fraud", "other"]
CHANNELS = ["in_app", "hotline", "email"]
STATUSES = ["open", "resolved", "rejected", "escalated"]


def _value(rng: random.Random, unit: str, month_index: int) -> float:
    if unit == "hours":
        return 100.0 + 40 * month_index
    return round(0.80 + 0.05 * month_index + rng.random() * 0.01, 4)


LANDING_ISSUE_PATH = "/landing/orders/2026-09-30/\\xb6\\xa9\\xb5\\xa5.csv"
OVERRIDE_BY = "王芳"
OVERRIDE_REASON = "已与平台核实数量"


def build(path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("""CREATE TABLE marts.rpt_kpi_definitions (kpi_code VARCHAR, name_zh VARCHAR, name_en VARCHAR,
        right_category VARCHAR, start_event VARCHAR, unit VARCHAR, target DOUBLE, target_operator VARCHAR,
        legal_basis_zh VARCHAR, legal_basis_en VARCHAR, definition_en VARCHAR, sort_order INTEGER)""")
    for place, (code, zh, en, right, unit, target, op) in enumerate(KPIS, start=1):
        con.execute("INSERT INTO marts.rpt_kpi_definitions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [code, zh, en, right, "received_at", unit, target, op, "法律依据", "legal basis", en, place])
    con.execute("CREATE TABLE marts.rpt_kpi_config (var_name VARCHAR, value VARCHAR, applies_to VARCHAR)")
    con.execute("INSERT INTO marts.rpt_kpi_config VALUES ('rw_reporting_tz', 'Asia/Shanghai', 'all KPIs'), "
                "('rw_first_response_hours', '24', 'complaint_first_response_24h_rate'), "
                "('rw_refund_days', '7', 'refund_within_7d_rate')")
    con.execute("""CREATE TABLE marts.rpt_kpi_monthly (month DATE, merchant_id VARCHAR, kpi_code VARCHAR,
        numerator DOUBLE, denominator DOUBLE, value DOUBLE, target DOUBLE, target_operator VARCHAR,
        breached BOOLEAN, pending_count BIGINT, unverifiable_count BIGINT, cutoff_at TIMESTAMP)""")
    for mi, month in enumerate(MONTHS):
        for merchant in [None] + [m[0] for m in MERCHANTS]:
            for code, _zh, _en, _r, unit, target, op in KPIS:
                value = _value(rng, unit, mi)
                if merchant == "M002":
                    value = value / 2 if unit != "hours" else value * 2
                breached = None
                if op == ">=":
                    breached = value < target
                elif op == "<=":
                    breached = value > target
                elif op == "=":
                    breached = value != target
                con.execute("INSERT INTO marts.rpt_kpi_monthly VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                            [month, merchant, code, value * 100, 100, value, target, op, breached, 0, 0,
                             datetime(2026, 9, 30, 15, 59, 59)])
    _privacy_requests(con)
    # The dashboards mart as dbt builds it from rpt_kpi_monthly (dbt/models/marts/dashboards/).
    con.execute("""CREATE TABLE marts.rpt_dash_kpi_breach_grid AS
        WITH scoped AS (
            SELECT month, kpi_code, coalesce(merchant_id, '__platform__') AS scope, breached
            FROM marts.rpt_kpi_monthly
            UNION ALL
            SELECT month, kpi_code, '__all__', breached FROM marts.rpt_kpi_monthly WHERE merchant_id IS NOT NULL
        ), counted AS (
            SELECT month, kpi_code, scope, count(breached)::BIGINT AS assessed,
                   (count(*) FILTER (WHERE breached))::BIGINT AS breached
            FROM scoped GROUP BY ALL
        )
        SELECT *, CASE WHEN assessed = 0 THEN 'monitor' WHEN breached > 0 THEN 'breached' ELSE 'met' END AS state
        FROM counted""")
    con.execute("""CREATE TABLE marts.rpt_rights_monthly (month DATE, right_category VARCHAR, complaints BIGINT,
        substantiated_share DOUBLE, resolved_share DOUBLE, median_resolution_hours DOUBLE,
        complaints_mom_change DOUBLE)""")
    for month in MONTHS:
        for right in RIGHTS:
            con.execute("INSERT INTO marts.rpt_rights_monthly VALUES (?,?,?,?,?,?,?)",
                        [month, right, rng.randint(1, 30), 0.5, 0.8, 40.0, 0.1])
    con.execute("""CREATE TABLE marts.dim_merchants (merchant_id VARCHAR, merchant_name VARCHAR,
        business_license_no VARCHAR, license_expires_on DATE, category VARCHAR, region VARCHAR,
        onboarded_at TIMESTAMP, status VARCHAR, contact_phone_key VARCHAR, updated_at TIMESTAMP,
        valid_from TIMESTAMP, valid_to TIMESTAMP, is_current BOOLEAN)""")
    for mid, name, cat, region in MERCHANTS:
        con.execute("INSERT INTO marts.dim_merchants VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [mid, name, "91350100M000100Y43", None, cat, region, datetime(2025, 1, 1), "active",
                     "ab" * 32, datetime(2025, 1, 1), datetime(2025, 1, 1), None, True])
    con.execute("""CREATE TABLE marts.fct_complaints (complaint_id VARCHAR, order_id VARCHAR,
        merchant_id VARCHAR, consumer_key VARCHAR, channel VARCHAR, right_category VARCHAR, issue_code VARCHAR,
        received_at TIMESTAMP, first_response_at TIMESTAMP, verified_at TIMESTAMP, resolved_at TIMESTAMP,
        status VARCHAR, outcome VARCHAR, substantiated BOOLEAN, compensation_amount DECIMAL(18,2),
        advance_compensation BOOLEAN, escalated_at TIMESTAMP, satisfaction BIGINT, description VARCHAR,
        updated_at TIMESTAMP, received_month DATE, first_response_hours DOUBLE, resolution_hours DOUBLE,
        dq_flags VARCHAR, is_known_merchant BOOLEAN, is_known_order BOOLEAN, version_count BIGINT)""")
    n = 0
    for month in MONTHS:
        for i in range(20):
            n += 1
            merchant = MERCHANTS[i % 4][0]
            received = datetime(month.year, month.month, 1 + i) + timedelta(hours=i)
            hours = float(2 + (i * 7) % 60)
            # the hostile one is the newest, as plant_hostile_complaint makes it in a real build, so it
            # is on the complaints table's first page
            newest = n == len(MONTHS) * 20
            desc = HOSTILE_DESCRIPTION if newest else f"商品有问题 {n}"
            cid = HOSTILE_ID if newest else f"C{n:04d}"
            con.execute("INSERT INTO marts.fct_complaints VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        [cid, f"O{n:04d}", merchant, f"{n:064x}", CHANNELS[i % 3], RIGHTS[i % 5], ISSUES[i % 5],
                         received, received + timedelta(hours=hours), None, received + timedelta(hours=hours * 2),
                         STATUSES[i % 4], "refund", i % 2 == 0, 10, False, None, 4, desc, received, month,
                         hours, hours * 2, None, True, True, 1])
    con.execute("""CREATE TABLE marts.fct_refunds (refund_id VARCHAR, order_id VARCHAR, line_no BIGINT,
        merchant_id VARCHAR, reason VARCHAR, requested_at TIMESTAMP, decided_at TIMESTAMP, decision VARCHAR,
        return_received_at TIMESTAMP, refunded_at TIMESTAMP, amount DECIMAL(18,2), updated_at TIMESTAMP,
        requested_month DATE, refund_days DOUBLE, dq_flags VARCHAR, is_known_merchant BOOLEAN,
        is_known_order BOOLEAN)""")
    for i in range(30):
        month = MONTHS[i % 3]
        req = datetime(month.year, month.month, 2 + i % 20)
        days = float(1 + (i * 3) % 20)
        reason = "no_reason_7day" if i % 3 == 0 else "quality"
        decision = "rejected" if i % 6 == 0 else "approved"
        con.execute("INSERT INTO marts.fct_refunds VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [f"R{i:04d}", f"O{i:04d}", 1, MERCHANTS[i % 4][0], reason, req, req + timedelta(days=1),
                     decision, req + timedelta(days=2), req + timedelta(days=2 + days), 99.5, req, month,
                     days, None, True, True])
    con.execute("""CREATE TABLE marts.fct_order_lines (order_id VARCHAR, line_no BIGINT, merchant_id VARCHAR,
        consumer_key VARCHAR, consumer_phone_key VARCHAR, sku_id VARCHAR, quantity BIGINT,
        unit_price DECIMAL(18,2), list_price DECIMAL(18,2), currency VARCHAR, ordered_at TIMESTAMP,
        paid_at TIMESTAMP, promised_ship_by TIMESTAMP, shipped_at TIMESTAMP, delivered_at TIMESTAMP,
        nrr_exempt BOOLEAN, order_status VARCHAR, channel VARCHAR, ship_to_region VARCHAR,
        updated_at TIMESTAMP, line_amount DECIMAL(18,2), ordered_date_local DATE, order_month DATE,
        dq_flags VARCHAR, is_known_merchant BOOLEAN)""")
    con.execute("""CREATE TABLE marts.fct_price_checks (order_id VARCHAR, line_no BIGINT, merchant_id VARCHAR,
        sku_id VARCHAR, ordered_date_local DATE, unit_price DECIMAL(18,2), list_price DECIMAL(18,2),
        reference_price DECIMAL(18,2), reference_basis VARCHAR, verdict VARCHAR)""")
    for i in range(40):
        d = date(2026, 7, 1) + timedelta(days=i * 2)
        merchant = MERCHANTS[i % 4][0]
        fake = merchant == "M003" and i % 2 == 1
        con.execute("INSERT INTO marts.fct_order_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [f"O{i:04d}", 1, merchant, f"{i:064x}", None, f"SKU{i % 5}", 1, 80, 200 if fake else None,
                     "CNY", datetime.combine(d, datetime.min.time()), None, None, None, None, False,
                     "completed", "app", "广东", datetime.combine(d, datetime.min.time()), 80, d,
                     d.replace(day=1), None, True])
        con.execute("INSERT INTO marts.fct_price_checks VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [f"O{i:04d}", 1, merchant, f"SKU{i % 5}", d, 80, 200 if fake else None, 79 if fake else None,
                     "7day_min" if fake else "none", "fake" if fake else ("ok" if i % 3 else "unverifiable")])
    con.execute("""CREATE TABLE marts.fct_violation_evidence (evidence_id VARCHAR, merchant_id VARCHAR,
        evidence_date DATE, violation_type VARCHAR, severity VARCHAR, points INTEGER, complaint_id VARCHAR,
        refund_id VARCHAR, order_id VARCHAR, line_no BIGINT, detail VARCHAR)""")
    evidence = [("E1", "M003", date(2026, 7, 4), "fake_original_price", "general", 2, None, None, "O0003", 1),
                ("E2", "M003", date(2026, 8, 2), "counterfeit", "serious", 12, "C0003", None, None, None),
                ("E3", "M002", date(2026, 8, 9), "refund_late_7d", "general", 2, None, "R0001", None, None),
                ("E4", "M003", date(2026, 9, 1), "price_fraud", "serious", 6, HOSTILE_ID, None, None, None)]
    for e in evidence:
        con.execute("INSERT INTO marts.fct_violation_evidence VALUES (?,?,?,?,?,?,?,?,?,?,?)", [*e, "detail"])
    con.execute("""CREATE TABLE marts.rpt_merchant_enforcement (as_of_date DATE, merchant_id VARCHAR,
        merchant_name VARCHAR, category VARCHAR, region VARCHAR, tier INTEGER, tier_name_zh VARCHAR,
        tier_name_en VARCHAR, recommended_action_zh VARCHAR, recommended_action_en VARCHAR,
        general_points INTEGER, serious_points INTEGER, points_by_type VARCHAR, top_reasons_zh VARCHAR,
        top_reasons_en VARCHAR, evidence_count INTEGER, evidence_ids VARCHAR, tier_first_reached_on DATE,
        previous_tier INTEGER, tier_change INTEGER, rate_scored BOOLEAN)""")
    tiers = {"M001": (0, 0, 0), "M002": (1, 12, 0), "M003": (2, 2, 18), "M004": (0, 2, 0)}
    names = {0: ("正常", "clear"), 1: ("警告", "warning"), 2: ("限制", "restricted")}
    for mid, name, cat, region in MERCHANTS:
        tier, gen, ser = tiers[mid]
        con.execute("INSERT INTO marts.rpt_merchant_enforcement VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [date(2026, 9, 30), mid, name, cat, region, tier, names[tier][0], names[tier][1], "措施",
                     "action", gen, ser, "{}", "原因", "reasons", 1, "E1", date(2026, 8, 2), 0, tier, True])
    con.execute("""CREATE TABLE marts.dq_file_reconciliation (source VARCHAR, delivery_date DATE,
        file_name VARCHAR, file_sha256 VARCHAR, status VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
        rows_quarantined BIGINT, reconciled BOOLEAN, message VARCHAR, loaded_at TIMESTAMP)""")
    for src in ("merchants", "orders", "complaints", "refunds"):
        con.execute("INSERT INTO marts.dq_file_reconciliation VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [src, date(2026, 9, 30), f"{src}.csv", "00", "loaded", 100, 98, 2, True, None,
                     datetime(2026, 10, 1)])
    con.execute("""CREATE TABLE marts.dq_quarantine (source VARCHAR, delivery_date DATE, file_name VARCHAR,
        file_sha256 VARCHAR, line BIGINT, rule VARCHAR, column_name VARCHAR, message VARCHAR,
        raw_values VARCHAR, quarantined_at TIMESTAMP, run_id VARCHAR)""")
    con.execute("INSERT INTO marts.dq_quarantine VALUES ('orders', DATE '2026-09-30', 'orders.csv', '00', 5, "
                "'type_invalid', 'quantity', 'not an integer', '{}', TIMESTAMP '2026-10-01', 'run1')")
    con.execute("""CREATE TABLE marts.dq_gx_results (run_id VARCHAR, source VARCHAR, delivery_date DATE,
        suite VARCHAR, expectation VARCHAR, column_name VARCHAR, severity VARCHAR, success BOOLEAN,
        element_count BIGINT, unexpected_count BIGINT, details VARCHAR, validated_at TIMESTAMP)""")
    con.execute("INSERT INTO marts.dq_gx_results VALUES ('run1', 'orders', DATE '2026-09-30', 'orders', "
                "'expect_column_values_to_not_be_null', 'order_id', 'error', true, 98, 0, '{}', "
                "TIMESTAMP '2026-10-01')")
    con.execute("CREATE TABLE marts.dq_row_flags (source VARCHAR, delivery_date DATE, flag VARCHAR, rows BIGINT)")
    con.execute("INSERT INTO marts.dq_row_flags VALUES ('orders', DATE '2026-09-30', 'paid_at_before_ordered_at', 3)")
    con.execute("""CREATE TABLE marts.dq_pipeline_runs (run_id VARCHAR, started_at TIMESTAMP,
        finished_at TIMESTAMP, status VARCHAR, latest_delivery_date DATE, message VARCHAR)""")
    con.execute("INSERT INTO marts.dq_pipeline_runs VALUES ('run1', TIMESTAMP '2026-10-01 00:00:00', "
                "TIMESTAMP '2026-10-01 00:05:00', 'success', DATE '2026-09-30', NULL)")
    con.execute("""CREATE TABLE marts.dq_landing_issues (path VARCHAR, issue VARCHAR, detected_at TIMESTAMP,
        last_seen_at TIMESTAMP, still_present BOOLEAN)""")
    con.execute("""CREATE TABLE marts.dq_delivery_blocks (source VARCHAR, delivery_date DATE, check_name VARCHAR,
        failed_at TIMESTAMP, failures VARCHAR, blocked BOOLEAN, override_id BIGINT, overridden_by VARCHAR,
        override_reason VARCHAR, overridden_at TIMESTAMP, run_id VARCHAR)""")
    con.execute("""CREATE TABLE marts.dq_delivery_overrides (override_id BIGINT, source VARCHAR, delivery_date DATE,
        overridden_by VARCHAR, reason VARCHAR, overridden_at TIMESTAMP)""")
    con.close()
    return path


PRIVACY_OVERDUE_ID = "PR-OVERDUE-1"


def _privacy_requests(con: duckdb.DuckDBPyConnection) -> None:
    """The platform-only request KPIs, the breakdown mart and two deletion requests (one overdue)."""
    for place, (code, zh, en, unit, target, op) in enumerate((
            ("privacy_request_on_time_rate", "个人信息请求按时处理率", "Requests handled on time", "rate", 0.95, ">="),
            ("privacy_request_count", "个人信息请求数", "Requests received", "count", None, "monitor"),
            ("privacy_deletion_overdue_count", "逾期删除请求数", "Deletion requests overdue", "count", 0.0, "=")),
            start=101):
        con.execute("INSERT INTO marts.rpt_kpi_definitions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [code, zh, en, "privacy", "received_at", unit, target, op, "个人信息保护法", "PIPL", en, place])
        for month in MONTHS:
            value = {"rate": 0.9, "count": 1.0 if "overdue" in code else 12.0}[unit]
            breached = None if op == "monitor" else (value < target if op == ">=" else value != target)
            con.execute("INSERT INTO marts.rpt_kpi_monthly VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        [month, None, code, value * (10 if unit == "rate" else 1), 10 if unit == "rate" else None,
                         value, target, op, breached, 0, 0, datetime(2026, 9, 30, 15, 59, 59)])
    con.execute("""CREATE TABLE marts.rpt_privacy_requests_monthly (month DATE, request_type VARCHAR,
        channel VARCHAR, requests BIGINT, answered_on_time BIGINT, answered_late BIGINT, pending BIGINT,
        open_overdue BIGINT, deletion_overdue BIGINT)""")
    for month in MONTHS:
        con.execute("INSERT INTO marts.rpt_privacy_requests_monthly VALUES (?, 'access', 'in_app', 7, 7, 0, 0, 0, 0), "
                    "(?, 'deletion', 'hotline', 5, 3, 1, 0, 1, 2)", [month, month])
    con.execute("""CREATE TABLE marts.fct_privacy_requests (request_id VARCHAR, consumer_key VARCHAR,
        request_type VARCHAR, channel VARCHAR, received_at TIMESTAMP, completed_at TIMESTAMP, status VARCHAR,
        rejection_reason VARCHAR, updated_at TIMESTAMP, received_month DATE, handling_days DOUBLE,
        dq_flags VARCHAR, version_count BIGINT)""")
    con.execute("INSERT INTO marts.fct_privacy_requests VALUES "
                "(?, 'ERASED', 'deletion', 'hotline', TIMESTAMP '2026-09-01', NULL, 'in_progress', NULL, "
                "TIMESTAMP '2026-09-02', DATE '2026-09-01', NULL, NULL, 1), "
                "('PR-ONTIME-1', 'ERASED', 'deletion', 'in_app', TIMESTAMP '2026-09-03', TIMESTAMP '2026-09-05', "
                "'completed', NULL, TIMESTAMP '2026-09-05', DATE '2026-09-01', 2.0, NULL, 1)", [PRIVACY_OVERDUE_ID])


def plant_integrity_rows(path: Path) -> None:
    """A landing entry with a GBK name that was not read, and a delivery released by an override."""
    con = duckdb.connect(str(path))
    try:
        con.execute("INSERT INTO marts.dq_landing_issues VALUES (?, ?, TIMESTAMP '2026-10-01', "
                    "TIMESTAMP '2026-10-01', true)", [LANDING_ISSUE_PATH, "file name is not valid UTF-8; not read"])
        con.execute("INSERT INTO marts.dq_delivery_blocks VALUES ('orders', DATE '2026-09-29', 'gx_contract_suite', "
                    "TIMESTAMP '2026-09-30', 'quantity: 1 unexpected', false, 1, ?, ?, TIMESTAMP '2026-09-30 02:00', "
                    "'run1')", [OVERRIDE_BY, OVERRIDE_REASON])
        con.execute("INSERT INTO marts.dq_delivery_overrides VALUES (1, 'orders', DATE '2026-09-29', ?, ?, "
                    "TIMESTAMP '2026-09-30 02:00')", [OVERRIDE_BY, OVERRIDE_REASON])
    finally:
        con.close()


def plant_hostile_complaint(path: Path) -> None:
    """Add the hostile complaint to a copy of a real build (its first complaint's merchant and month)."""
    con = duckdb.connect(str(path))
    try:
        if con.execute("SELECT count(*) FROM marts.fct_complaints WHERE complaint_id = ?", [HOSTILE_ID]).fetchone()[0]:
            return
        con.execute("""
            INSERT INTO marts.fct_complaints BY NAME
            SELECT * REPLACE (? AS complaint_id, ? AS description)
            FROM marts.fct_complaints ORDER BY received_at DESC LIMIT 1""", [HOSTILE_ID, HOSTILE_DESCRIPTION])
    finally:
        con.close()
