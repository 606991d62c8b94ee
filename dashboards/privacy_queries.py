"""Queries of the privacy page (constant SQL, bound parameters, through ``queries.run`` and its cache).

Kept apart from queries.py so the personal-information views stay in one place; nothing here selects
a pseudonym: the page shows counts only.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboards import queries

PRIVACY_KPIS = ("privacy_request_on_time_rate", "privacy_request_count", "privacy_deletion_overdue_count")

SQL_PRIVACY_KPIS = """
SELECT month, kpi_code, value, target, target_operator, breached, numerator, denominator, pending_count
FROM marts.rpt_kpi_monthly
WHERE merchant_id IS NULL
  AND kpi_code IN ('privacy_request_on_time_rate', 'privacy_request_count', 'privacy_deletion_overdue_count')
ORDER BY month, kpi_code
"""

SQL_BREAKDOWN = """
SELECT month, request_type, channel, requests, answered_on_time, answered_late, pending, open_overdue,
       deletion_overdue
FROM marts.rpt_privacy_requests_monthly
WHERE month BETWEEN $1 AND $2
ORDER BY month, request_type, channel
"""

SQL_OVERDUE_DELETIONS = """
SELECT request_id, received_month, received_at, status, completed_at, handling_days, channel
FROM marts.fct_privacy_requests
WHERE request_type = 'deletion' AND received_month BETWEEN $1 AND $2
  AND request_id IN (SELECT request_id FROM marts.fct_privacy_requests
                     WHERE request_type = 'deletion'
                       AND (handling_days > $3
                            OR (completed_at IS NULL
                                AND date_diff('second', received_at, (SELECT max(cutoff_at) FROM marts.rpt_kpi_monthly))
                                    > $3 * 86400)))
ORDER BY received_at
"""


def privacy_kpis() -> pd.DataFrame:
    return queries.run(SQL_PRIVACY_KPIS)


def breakdown(month_from: date, month_to: date) -> pd.DataFrame:
    return queries.run(SQL_BREAKDOWN, [month_from, month_to])


def overdue_deletions(month_from: date, month_to: date, limit_days: float = 15) -> pd.DataFrame:
    return queries.run(SQL_OVERDUE_DELETIONS, [month_from, month_to, limit_days])


def erasures() -> pd.DataFrame:
    """The erasure log (state store): when, why, which request, how many links and values; never who."""
    from contextlib import closing

    from dagster_project.privacy.erasure import ERASURE_LOG_COLUMNS
    from dagster_project.settings import get_settings
    from dagster_project.state import connect_state

    with closing(connect_state(get_settings().state_db)) as con:
        rows = con.execute(f"SELECT {', '.join(ERASURE_LOG_COLUMNS)} FROM erasure_log ORDER BY id DESC").fetchall()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(ERASURE_LOG_COLUMNS))
    frame["at_utc"] = pd.to_datetime(frame["at_utc"])
    return frame
