"""Report approvals (manager, admin): built regulator reports with their figures and files; approve or reject."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dagster_project.settings import get_settings
from dagster_project.state import connect_state
from dashboards.auth import audit, page_setup
from dashboards.i18n import t
from dashboards.ui import table

user = page_setup("approvals")

try:
    from dagster_project.state import approvals
except ModuleNotFoundError:
    approvals = None

if approvals is None:
    st.info(t("approvals_unavailable"))
    st.stop()


def _flat(value: object) -> object:
    """Lists and dicts (files, figures) as JSON text so the table shows them verbatim."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


con = connect_state(get_settings().state_db)
try:
    reports = [dict(r) for r in approvals.list_reports(con)]
finally:
    con.close()
frame = pd.DataFrame([{k: _flat(v) for k, v in r.items()} for r in reports])
st.subheader(t("reports"))
table(frame, "reports")
if frame.empty or "month" not in frame.columns:
    st.stop()

month = st.selectbox(t("report_month"), frame["month"].astype(str).tolist(), key="ap_month")
with st.form("approval", clear_on_submit=True):
    reason = st.text_area(t("reason"), key="ap_reason", max_chars=2000)
    c1, c2 = st.columns(2)
    do_approve = c1.form_submit_button(t("approve"), type="primary")
    do_reject = c2.form_submit_button(t("reject"))
if do_approve or do_reject:
    reason = (reason or "").strip()
    if do_reject and not reason:
        st.error(t("reason_required"))
    else:
        con = connect_state(get_settings().state_db)
        try:
            if do_approve:
                approvals.approve(con, month, user.name)
            else:
                approvals.reject(con, month, user.name, reason)
        except (ValueError, LookupError) as exc:
            st.error(str(exc))
        else:
            audit("report_approved" if do_approve else "report_rejected", month,
                  {"reason": reason} if do_reject else None)
            st.success(t("approved") if do_approve else t("rejected"))
        finally:
            con.close()
