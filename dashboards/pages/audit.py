"""Audit log (admin): who signed in, downloaded, decided and approved what, newest first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dagster_project.state import open_state, read_audit_log
from dashboards.auth import page_setup
from dashboards.i18n import code, fixed, t
from dashboards.ui import table

ACTIONS = ("", "sign_in", "sign_in_failed", "sign_in_locked", "sign_out", "download", "decision",
           "report_approved", "report_rejected", "page_denied")

page_setup("audit")
action = st.selectbox(t("audit_filter"), ACTIONS, format_func=fixed(lambda a: code(a) or t("all")), key="au_action")
con = open_state()
try:
    rows = read_audit_log(con, limit=2000, action=action or None)
finally:
    con.close()
log = pd.DataFrame(rows, columns=["id", "at_utc", "actor", "action", "target", "detail"])
# at_utc is ISO 8601 UTC text in the state store: parsed, the table shows it in the reporting time zone
log["at_utc"] = pd.to_datetime(log["at_utc"], utc=True, format="ISO8601")
table(log.rename(columns={"target": "target_object"}), "audit_log", {"action": action})
