"""Data quality (all roles): last run, reconciliation, quarantine reasons, GX results, freshness, blocked
deliveries and their overrides, landing entries not read, erasures.

The headline figures are always shown; each detail table sits in a lazy tab, so opening the page sends
one table to the browser instead of six and a chart.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, privacy_queries, queries
from dashboards.auth import page_setup
from dashboards.i18n import code, col, fmt_datetime, fmt_number, t
from dashboards.ui import reporting_tz, require_warehouse, table

page_setup("data_quality")
require_warehouse()

# Headline figures first, the detail tables one tab at a time (only the open tab is queried and sent).
runs = queries.pipeline_runs()
recon = queries.reconciliation()
st.subheader(t("last_run"))
c1, c2, c3, c4 = st.columns(4)
if not runs.empty:
    last = runs.iloc[0]
    c1.metric(col("status"), code(last["status"]))
    c2.metric(col("finished_at"), fmt_datetime(last["finished_at"], reporting_tz()))
    c3.metric(col("latest_delivery_date"),
              str(last["latest_delivery_date"])[:10] if pd.notna(last["latest_delivery_date"]) else "—")
c4.metric(t("unreconciled"), fmt_number(int((~recon["reconciled"].fillna(False).astype(bool)).sum())
                                        if not recon.empty else 0))
blocks = queries.delivery_blocks()
landing = queries.landing_issues()
c5, c6 = st.columns(2)
c5.metric(t("still_blocked"), fmt_number(int(blocks["blocked"].astype(bool).sum()) if not blocks.empty else 0))
c6.metric(t("landing_not_read"), fmt_number(int(landing["still_present"].astype(bool).sum()) if not landing.empty else 0))

sections = ["last_run", "freshness", "reconciliation", "quarantine", "row_flags", "gx", "delivery_blocks",
            "landing_issues", "erasures"]
tabs = dict(zip(sections, st.tabs([t(s) for s in sections], key="dq_tab", on_change="rerun"), strict=True))
if tabs["last_run"].open:
    with tabs["last_run"]:
        table(runs, "pipeline_runs")
if tabs["freshness"].open:
    with tabs["freshness"]:
        table(queries.freshness(), "freshness")
if tabs["reconciliation"].open:
    with tabs["reconciliation"]:
        table(recon, "reconciliation", height=300)
if tabs["quarantine"].open:
    with tabs["quarantine"]:
        reasons = queries.quarantine_reasons()
        if not reasons.empty:
            charts.show(charts.horizontal_bars(reasons, "rows", "rule", "source", t("chart_quarantine"),
                                               col("rows"), col("rule"), col("source")))
        table(reasons, "quarantine_reasons")
if tabs["row_flags"].open:
    with tabs["row_flags"]:
        table(queries.row_flags(), "row_flags")
if tabs["gx"].open:
    with tabs["gx"]:
        table(queries.gx_results(), "gx_results", height=300)
if tabs["delivery_blocks"].open:
    with tabs["delivery_blocks"]:
        st.subheader(t("delivery_blocks"))
        st.caption(t("delivery_blocks_note"))
        table(blocks, "delivery_blocks")
        st.subheader(t("delivery_overrides"))
        table(queries.delivery_overrides(), "delivery_overrides")
if tabs["landing_issues"].open:
    with tabs["landing_issues"]:
        st.subheader(t("landing_issues"))
        st.caption(t("landing_issues_note"))
        table(landing, "landing_issues", height=300)
if tabs["erasures"].open:
    with tabs["erasures"]:
        st.subheader(t("erasures"))
        table(privacy_queries.erasures(), "erasures")
