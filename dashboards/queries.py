"""The dashboards' only way into the warehouse: read-only, bound parameters, cached per published file.

Rules this module keeps (and tests check):
- It reads only schema ``marts`` of the published DuckDB named by ``RW_WAREHOUSE``, opened read-only
  by the project's one reader (``publish.open_published``). A new connection is opened per query,
  because the pipeline replaces the file with an atomic rename: a long-lived connection would keep
  reading the old, unlinked file.
- Every value is a bound parameter (``?`` / ``$n``). No SQL is built from user input: the SQL texts
  are constants in this module.
- Results are cached once for all sessions (``st.cache_resource``, TTL ``CACHE_TTL_SECONDS``) keyed on
  the SQL, the parameters, the file path and its modification time (ns), so a newly published
  warehouse is read at once and the cache never serves figures from a replaced file. Callers get a
  copy, so no session can change another's figures.
- Large tables are paged in SQL (``LIMIT``/``OFFSET``) and their figures computed in SQL, so a page
  never ships a whole fact table to the browser.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dagster_project.settings import get_settings
from dagster_project.warehouse.kpi_config import CONFIG_SQL, limit, parse_config
from dagster_project.warehouse.publish import open_published

CACHE_TTL_SECONDS = 600

class WarehouseMissing(RuntimeError):
    """No published warehouse yet (run the pipeline first)."""


def warehouse_path() -> Path:
    return _warehouse_for(os.environ.get("RW_WAREHOUSE"), os.getcwd())


@functools.lru_cache(maxsize=16)
def _warehouse_for(env_value: str | None, cwd: str) -> Path:
    # Resolving the path costs a few ms of lstat calls, and a page asks for it on every query.
    return get_settings().warehouse


def published_stamp() -> tuple[str, int]:
    """The published file's path and modification time (ns): the version the cache is keyed on."""
    path = warehouse_path()
    try:
        return str(path), path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise WarehouseMissing(str(path)) from exc


# cache_resource, not cache_data: one frame shared by every session, handed out as a copy by ``run``
# (cache_data would unpickle a new frame on every hit, the largest warm cost of a page).
@st.cache_resource(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _cached(sql: str, params: tuple[Any, ...], path: str, mtime_ns: int) -> pd.DataFrame:
    # path and mtime_ns are part of the cache key: a replaced warehouse is a new key.
    # Lists are frozen to tuples for hashing and thawed back: DuckDB binds a list as a LIST value.
    return _execute(sql, [list(p) if isinstance(p, tuple) else p for p in params], path)


def _execute(sql: str, params: Sequence[Any], path: str) -> pd.DataFrame:
    con = open_published(Path(path))
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def run(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one of this module's SQL constants with bound parameters; cached per published file."""
    path, mtime_ns = published_stamp()
    return _cached(sql, tuple(_freeze(p) for p in params), path, mtime_ns).copy()


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def published_at() -> float | None:
    """Modification time of the published file (epoch seconds), or None when missing."""
    try:
        return warehouse_path().stat().st_mtime
    except FileNotFoundError:
        return None


# --- overview ------------------------------------------------------------------------------------

SQL_KPI_MONTHS = "SELECT DISTINCT month FROM marts.rpt_kpi_monthly ORDER BY month"

SQL_KPI_DEFINITIONS = "SELECT * FROM marts.rpt_kpi_definitions ORDER BY kpi_code"

SQL_KPI_CONFIG = CONFIG_SQL

SQL_KPI_PLATFORM = """
SELECT k.month, k.kpi_code, k.numerator, k.denominator, k.value, k.target, k.target_operator, k.breached,
       k.pending_count, k.unverifiable_count
FROM marts.rpt_kpi_monthly k
WHERE k.merchant_id IS NULL
ORDER BY k.month, k.kpi_code
"""

SQL_KPI_MONTH_SCOPE = """
SELECT k.month, k.merchant_id, m.merchant_name, k.kpi_code, k.value, k.target, k.target_operator, k.breached,
       k.numerator, k.denominator, k.pending_count, k.unverifiable_count
FROM marts.rpt_kpi_monthly k
LEFT JOIN (SELECT merchant_id, merchant_name FROM marts.dim_merchants WHERE is_current) m
       ON m.merchant_id = k.merchant_id
WHERE k.month BETWEEN $1 AND $2
  AND CASE WHEN $3 = '__platform__' THEN k.merchant_id IS NULL
           WHEN $3 = '__all__' THEN k.merchant_id IS NOT NULL
           ELSE k.merchant_id = $3 END
  AND ($4 = '' OR k.kpi_code = $4)
ORDER BY k.month, k.kpi_code, k.merchant_id
"""

# Built once per publication by the dashboards mart (dbt/models/marts/dashboards/).
SQL_BREACH_GRID = """
SELECT month, kpi_code, assessed, breached, state
FROM marts.rpt_dash_kpi_breach_grid
WHERE month BETWEEN $1 AND $2 AND scope = $3 AND ($4 = '' OR kpi_code = $4)
ORDER BY month, kpi_code
"""

SQL_RIGHTS = "SELECT * FROM marts.rpt_rights_monthly ORDER BY month, right_category"

SQL_MERCHANTS = """
SELECT merchant_id, merchant_name, category, region FROM marts.dim_merchants WHERE is_current ORDER BY merchant_id
"""


def kpi_months() -> list[date]:
    return [pd.Timestamp(m).date() for m in run(SQL_KPI_MONTHS)["month"]]


def kpi_config() -> dict[str, Any]:
    """The settings the published build used (marts.rpt_kpi_config): the limits labels must name."""
    return parse_config(run(SQL_KPI_CONFIG).itertuples(index=False, name=None))


def kpi_definitions() -> pd.DataFrame:
    """The KPI dictionary as published: its names already state the limits in force (dbt renders
    them from the vars of the build, int_kpi__definitions)."""
    return run(SQL_KPI_DEFINITIONS)


def kpi_platform() -> pd.DataFrame:
    return run(SQL_KPI_PLATFORM)


def kpi_rows(month_from: date, month_to: date, scope: str = "__platform__", kpi_code: str = "") -> pd.DataFrame:
    """KPI rows for months in range; scope is '__platform__', '__all__' (every merchant) or a merchant id."""
    return run(SQL_KPI_MONTH_SCOPE, [month_from, month_to, scope, kpi_code or ""])


def kpi_breach_grid(month_from: date, month_to: date, scope: str = "__platform__",
                    kpi_code: str = "") -> pd.DataFrame:
    """Month × KPI cells (assessed, breached, state met/breached/monitor) for a scope as in ``kpi_rows``."""
    return run(SQL_BREACH_GRID, [month_from, month_to, scope, kpi_code or ""])


def rights_monthly() -> pd.DataFrame:
    return run(SQL_RIGHTS)


def merchants() -> pd.DataFrame:
    return run(SQL_MERCHANTS)


# --- complaints ----------------------------------------------------------------------------------

# The complaints page's defaults, shared with the cache warm-up (dashboards/warmup.py) so the first
# visit finds its figures cached: the last three months and the published first-response KPI.
COMPLAINT_DEFAULT_MONTHS = 3
FIRST_RESPONSE_KPI = "complaint_first_response_24h_rate"  # the dictionary's code, whatever the limit


def first_response_limit_hours() -> float:
    """The first-response limit (hours) the published build used; NaN when none was recorded."""
    return float(limit(kpi_config(), "rw_first_response_hours") or "nan")


# One filtered set of complaints ($1..$8), shared by the page's table, its figures and its download, so
# they always count the same rows. Built from constants at import time, never from values.
_COMPLAINTS_FILTERED = """
FROM marts.fct_complaints c
LEFT JOIN (SELECT merchant_id, merchant_name, region FROM marts.dim_merchants WHERE is_current) m
       ON m.merchant_id = c.merchant_id
WHERE c.received_month BETWEEN $1 AND $2
  AND (len($3::VARCHAR[]) = 0 OR list_contains($3::VARCHAR[], c.right_category))
  AND (len($4::VARCHAR[]) = 0 OR list_contains($4::VARCHAR[], c.issue_code))
  AND (len($5::VARCHAR[]) = 0 OR list_contains($5::VARCHAR[], c.channel))
  AND (len($6::VARCHAR[]) = 0 OR list_contains($6::VARCHAR[], c.merchant_id))
  AND (len($7::VARCHAR[]) = 0 OR list_contains($7::VARCHAR[], m.region))
  AND (len($8::VARCHAR[]) = 0 OR list_contains($8::VARCHAR[], c.status))
"""

SQL_COMPLAINTS = """
SELECT c.complaint_id, c.received_month, c.received_at, c.merchant_id, m.merchant_name, m.region,
       c.consumer_key, c.channel, c.right_category, c.issue_code, c.status, c.outcome, c.substantiated,
       c.first_response_hours, c.resolution_hours, c.compensation_amount, c.description, c.order_id
""" + _COMPLAINTS_FILTERED + """
ORDER BY c.received_at DESC, c.complaint_id
"""

# One page of the same rows: the browser never receives more than a page.
SQL_COMPLAINTS_PAGE = SQL_COMPLAINTS + "LIMIT $9 OFFSET $10\n"

# The page's headline figures over every filtered row (not only the page shown).
SQL_COMPLAINTS_SUMMARY = """
SELECT count(*) AS complaints,
       count(c.first_response_hours) AS responded,
       median(c.first_response_hours) AS median_first_response_hours
""" + _COMPLAINTS_FILTERED

# First-response hours binned in SQL (40 equal bins up to the 99th percentile, or the maximum for 20
# values or fewer; longer waits fall in the last bin), so the chart gets 40 rows, not every complaint.
SQL_COMPLAINTS_HISTOGRAM = """
WITH hours AS (
    SELECT c.first_response_hours AS h
""" + _COMPLAINTS_FILTERED + """
      AND c.first_response_hours IS NOT NULL
), cap AS (
    SELECT CASE WHEN count(*) > 20 THEN quantile_cont(h, 0.99) ELSE max(h) END AS cap FROM hours
), width AS (
    SELECT CASE WHEN cap > 0 THEN cap / 40 ELSE 1 END AS w FROM cap
), binned AS (
    SELECT least(floor(greatest(h, 0) / w), 39)::INTEGER AS bin, w FROM hours, width
)
SELECT bin * w AS bin_start, (bin + 1) * w AS bin_end, count(*) AS complaints
FROM binned GROUP BY bin, w ORDER BY bin
"""

SQL_COMPLAINT_FACETS = """
SELECT 'right_category' AS facet, right_category AS value FROM marts.fct_complaints
UNION SELECT 'issue_code', issue_code FROM marts.fct_complaints
UNION SELECT 'channel', channel FROM marts.fct_complaints
UNION SELECT 'status', status FROM marts.fct_complaints
UNION SELECT 'region', region FROM marts.dim_merchants WHERE is_current
ORDER BY facet, value
"""

SQL_COMPLAINT_MONTHS = "SELECT DISTINCT received_month AS month FROM marts.fct_complaints ORDER BY 1"


def complaint_facets() -> dict[str, list[str]]:
    df = run(SQL_COMPLAINT_FACETS).dropna()
    return {f: sorted(g["value"].astype(str).tolist()) for f, g in df.groupby("facet")}


def complaint_months() -> list[date]:
    return [pd.Timestamp(m).date() for m in run(SQL_COMPLAINT_MONTHS)["month"].dropna()]


@dataclass(frozen=True)
class ComplaintFilter:
    """What the complaints explorer is filtered on; the same filter feeds the table, figures and download."""

    month_from: date
    month_to: date
    rights: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    merchant_ids: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def params(self) -> list[Any]:
        return [self.month_from, self.month_to, list(self.rights), list(self.issues), list(self.channels),
                list(self.merchant_ids), list(self.regions), list(self.statuses)]


def complaints(month_from: date, month_to: date, rights: Sequence[str] = (), issues: Sequence[str] = (),
               channels: Sequence[str] = (), merchant_ids: Sequence[str] = (), regions: Sequence[str] = (),
               statuses: Sequence[str] = ()) -> pd.DataFrame:
    """Every filtered complaint (for downloads and reports; the page shows ``complaints_page``)."""
    return run(SQL_COMPLAINTS, ComplaintFilter(month_from, month_to, tuple(rights), tuple(issues), tuple(channels),
                                               tuple(merchant_ids), tuple(regions), tuple(statuses)).params())


def all_complaints(where: ComplaintFilter) -> pd.DataFrame:
    return run(SQL_COMPLAINTS, where.params())


def complaints_page(where: ComplaintFilter, page: int, page_size: int) -> pd.DataFrame:
    """Rows ``page * page_size`` .. of the filtered complaints, newest first (page counts from 0)."""
    return run(SQL_COMPLAINTS_PAGE, [*where.params(), int(page_size), int(page) * int(page_size)])


def complaints_summary(where: ComplaintFilter) -> dict[str, Any]:
    """complaints, responded, median_first_response_hours over every filtered row (the page's figures;
    the share within the limit is the published KPI, read from rpt_kpi_monthly, not recomputed here)."""
    row = run(SQL_COMPLAINTS_SUMMARY, where.params()).iloc[0]
    return {k: (None if pd.isna(v) else v) for k, v in row.items()}


def complaints_histogram(where: ComplaintFilter) -> pd.DataFrame:
    """Columns bin_start, bin_end, complaints: first-response hours in 40 bins, computed in SQL."""
    return run(SQL_COMPLAINTS_HISTOGRAM, where.params())


# --- refunds -------------------------------------------------------------------------------------

SQL_REFUND_KPIS = """
SELECT month, kpi_code, value, target, target_operator, breached, numerator, denominator, pending_count
FROM marts.rpt_kpi_monthly
WHERE merchant_id IS NULL
  AND kpi_code IN ('refund_within_7d_rate', 'nrr_refusal_rate', 'refund_over_15d_count', 'refund_median_days')
ORDER BY month, kpi_code
"""

SQL_NRR_REFUSALS = """
SELECT r.refund_id, r.requested_month, r.requested_at, r.decided_at, r.merchant_id, m.merchant_name,
       r.order_id, r.line_no, r.amount, r.decision, r.reason
FROM marts.fct_refunds r
LEFT JOIN (SELECT merchant_id, merchant_name FROM marts.dim_merchants WHERE is_current) m
       ON m.merchant_id = r.merchant_id
WHERE r.reason = 'no_reason_7day' AND r.decision = 'rejected'
  AND r.requested_month BETWEEN $1 AND $2
ORDER BY r.requested_at DESC
"""

SQL_SLOWEST_REFUNDS = """
SELECT r.refund_id, r.requested_month, r.merchant_id, m.merchant_name, r.order_id, r.reason, r.amount,
       r.return_received_at, r.refunded_at, r.refund_days
FROM marts.fct_refunds r
LEFT JOIN (SELECT merchant_id, merchant_name FROM marts.dim_merchants WHERE is_current) m
       ON m.merchant_id = r.merchant_id
WHERE r.refund_days IS NOT NULL AND r.requested_month BETWEEN $1 AND $2
ORDER BY r.refund_days DESC, r.refund_id
LIMIT $3
"""


def refund_kpis() -> pd.DataFrame:
    return run(SQL_REFUND_KPIS)


def nrr_refusals(month_from: date, month_to: date) -> pd.DataFrame:
    return run(SQL_NRR_REFUSALS, [month_from, month_to])


def slowest_refunds(month_from: date, month_to: date, limit: int = 50) -> pd.DataFrame:
    return run(SQL_SLOWEST_REFUNDS, [month_from, month_to, int(limit)])


# --- price honesty -------------------------------------------------------------------------------

SQL_FAKE_PRICES = """
SELECT p.order_id, p.line_no, p.ordered_date_local, p.merchant_id, m.merchant_name, p.sku_id,
       p.unit_price, p.list_price, p.reference_price, p.reference_basis,
       p.list_price - p.reference_price AS overstatement
FROM marts.fct_price_checks p
LEFT JOIN (SELECT merchant_id, merchant_name FROM marts.dim_merchants WHERE is_current) m
       ON m.merchant_id = p.merchant_id
WHERE p.verdict = 'fake' AND p.ordered_date_local BETWEEN $1 AND $2
  AND ($3 = '' OR p.merchant_id = $3)
ORDER BY p.ordered_date_local DESC, p.order_id, p.line_no
"""

SQL_PRICE_VERDICTS = """
SELECT date_trunc('month', ordered_date_local)::DATE AS month, verdict, count(*) AS lines
FROM marts.fct_price_checks GROUP BY ALL ORDER BY 1, 2
"""


def fake_prices(date_from: date, date_to: date, merchant_id: str = "") -> pd.DataFrame:
    return run(SQL_FAKE_PRICES, [date_from, date_to, merchant_id or ""])


def price_verdicts() -> pd.DataFrame:
    return run(SQL_PRICE_VERDICTS)


# --- merchants and enforcement ------------------------------------------------------------------

REGULATOR_MIN_TIER = 1  # sanctions from tier 1 (warning) up are public; tier 0 is not shown to regulators

SQL_ENFORCEMENT = """
SELECT as_of_date, merchant_id, merchant_name, category, region, tier, tier_name_zh, tier_name_en,
       recommended_action_zh, recommended_action_en, general_points, serious_points,
       general_points + serious_points AS total_points, points_by_type, top_reasons_zh, top_reasons_en,
       evidence_count, tier_first_reached_on, previous_tier, tier_change, rate_scored
FROM marts.rpt_merchant_enforcement
WHERE as_of_date = (SELECT max(as_of_date) FROM marts.rpt_merchant_enforcement)
  AND tier >= $1
  AND (len($2::INTEGER[]) = 0 OR list_contains($2::INTEGER[], tier))
  AND (len($3::VARCHAR[]) = 0 OR list_contains($3::VARCHAR[], category))
  AND (len($4::VARCHAR[]) = 0 OR list_contains($4::VARCHAR[], region))
ORDER BY tier DESC, serious_points DESC, general_points DESC, merchant_id
"""

SQL_ENFORCEMENT_FACETS = """
SELECT 'category' AS facet, category AS value FROM marts.rpt_merchant_enforcement
UNION SELECT 'region', region FROM marts.rpt_merchant_enforcement
ORDER BY facet, value
"""

SQL_EVIDENCE = """
SELECT evidence_id, evidence_date, violation_type, severity, points, complaint_id, refund_id, order_id,
       line_no, detail
FROM marts.fct_violation_evidence
WHERE merchant_id = $1
ORDER BY evidence_date, evidence_id
"""

SQL_EVIDENCE_COMPLAINTS = """
SELECT c.complaint_id, c.received_at, c.consumer_key, c.right_category, c.issue_code, c.status,
       c.substantiated, c.description
FROM marts.fct_complaints c
WHERE c.complaint_id IN (SELECT complaint_id FROM marts.fct_violation_evidence WHERE merchant_id = $1)
ORDER BY c.received_at
"""

SQL_EVIDENCE_REFUNDS = """
SELECT r.refund_id, r.order_id, r.line_no, r.reason, r.decision, r.requested_at, r.return_received_at,
       r.refunded_at, r.refund_days, r.amount
FROM marts.fct_refunds r
WHERE r.refund_id IN (SELECT refund_id FROM marts.fct_violation_evidence WHERE merchant_id = $1)
ORDER BY r.requested_at
"""

SQL_EVIDENCE_ORDERS = """
SELECT o.order_id, o.line_no, o.consumer_key, o.sku_id, o.quantity, o.unit_price, o.list_price,
       o.ordered_at, o.order_status, o.channel
FROM marts.fct_order_lines o
WHERE (o.order_id, o.line_no) IN (
    SELECT (order_id, line_no) FROM marts.fct_violation_evidence
    WHERE merchant_id = $1 AND order_id IS NOT NULL AND line_no IS NOT NULL)
ORDER BY o.ordered_at
"""


def enforcement(min_tier: int = 0, tiers: Sequence[int] = (), categories: Sequence[str] = (),
                regions: Sequence[str] = ()) -> pd.DataFrame:
    return run(SQL_ENFORCEMENT, [int(min_tier), [int(t) for t in tiers], list(categories), list(regions)])


def enforcement_facets() -> dict[str, list[str]]:
    df = run(SQL_ENFORCEMENT_FACETS).dropna()
    return {f: sorted(g["value"].astype(str).tolist()) for f, g in df.groupby("facet")}


def evidence(merchant_id: str) -> pd.DataFrame:
    return run(SQL_EVIDENCE, [merchant_id])


def evidence_complaints(merchant_id: str) -> pd.DataFrame:
    return run(SQL_EVIDENCE_COMPLAINTS, [merchant_id])


def evidence_refunds(merchant_id: str) -> pd.DataFrame:
    return run(SQL_EVIDENCE_REFUNDS, [merchant_id])


def evidence_orders(merchant_id: str) -> pd.DataFrame:
    return run(SQL_EVIDENCE_ORDERS, [merchant_id])


# --- data quality --------------------------------------------------------------------------------

SQL_RUNS = "SELECT * FROM marts.dq_pipeline_runs ORDER BY started_at DESC LIMIT 20"

SQL_RECONCILIATION = """
SELECT source, delivery_date, file_name, status, rows_read, rows_loaded, rows_quarantined, reconciled, message
FROM marts.dq_file_reconciliation
ORDER BY delivery_date DESC, source, file_name
"""

SQL_QUARANTINE_REASONS = """
SELECT source, rule, column_name, count(*) AS rows
FROM marts.dq_quarantine GROUP BY ALL ORDER BY rows DESC, source, rule
"""

SQL_GX = """
SELECT source, suite, expectation, column_name, severity, success, element_count, unexpected_count,
       delivery_date, validated_at
FROM marts.dq_gx_results
WHERE run_id = (SELECT run_id FROM marts.dq_gx_results ORDER BY validated_at DESC LIMIT 1)
   OR $1
ORDER BY success, severity, source, suite, expectation
"""

SQL_FRESHNESS = """
SELECT source, max(delivery_date) AS newest_delivery, current_date - max(delivery_date) AS age_days,
       count(DISTINCT delivery_date) AS deliveries
FROM marts.dq_file_reconciliation WHERE status = 'loaded'
GROUP BY source ORDER BY source
"""

SQL_ROW_FLAGS = "SELECT source, flag, sum(rows) AS rows FROM marts.dq_row_flags GROUP BY ALL ORDER BY rows DESC"


SQL_LANDING_ISSUES = """
SELECT path, issue, still_present, detected_at, last_seen_at
FROM marts.dq_landing_issues ORDER BY still_present DESC, last_seen_at DESC, path
"""

SQL_DELIVERY_BLOCKS = """
SELECT source, delivery_date, check_name, blocked, failures, overridden_by, override_reason, overridden_at
FROM marts.dq_delivery_blocks ORDER BY blocked DESC, delivery_date DESC, source
"""

SQL_DELIVERY_OVERRIDES = """
SELECT source, delivery_date, overridden_by, reason, overridden_at
FROM marts.dq_delivery_overrides ORDER BY overridden_at DESC
"""


def landing_issues() -> pd.DataFrame:
    return run(SQL_LANDING_ISSUES)


def delivery_blocks() -> pd.DataFrame:
    return run(SQL_DELIVERY_BLOCKS)


def delivery_overrides() -> pd.DataFrame:
    return run(SQL_DELIVERY_OVERRIDES)


def pipeline_runs() -> pd.DataFrame:
    return run(SQL_RUNS)


def reconciliation() -> pd.DataFrame:
    return run(SQL_RECONCILIATION)


def quarantine_reasons() -> pd.DataFrame:
    return run(SQL_QUARANTINE_REASONS)


def gx_results(all_runs: bool = False) -> pd.DataFrame:
    return run(SQL_GX, [bool(all_runs)])


def freshness() -> pd.DataFrame:
    return run(SQL_FRESHNESS)


def row_flags() -> pd.DataFrame:
    return run(SQL_ROW_FLAGS)


def clear_cache() -> None:
    _cached.clear()

