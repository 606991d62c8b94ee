"""Data quality (all roles): last run, reconciliation, quarantine reasons, GX results, freshness."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, privacy_queries, queries
from dashboards.auth import page_setup
from dashboards.i18n import col, fmt_number, t
from dashboards.ui import require_warehouse, table

page_setup("data_quality")
require_warehouse()

runs = queries.pipeline_runs()
st.subheader(t("last_run"))
if not runs.empty:
    last = runs.iloc[0]
    c1, c2, c3 = st.columns(3)
    c1.metric(col("status"), str(last["status"]))
    c2.metric(col("finished_at"), str(last["finished_at"])[:19])
    c3.metric(col("latest_delivery_date"), str(last["latest_delivery_date"])[:10])
table(runs, "pipeline_runs")

st.subheader(t("freshness"))
table(queries.freshness(), "freshness")

st.subheader(t("reconciliation"))
recon = queries.reconciliation()
st.metric(t("unreconciled"), fmt_number(int((~recon["reconciled"].fillna(False).astype(bool)).sum())
                                        if not recon.empty else 0))
table(recon, "reconciliation", height=300)

st.subheader(t("quarantine"))
reasons = queries.quarantine_reasons()
if not reasons.empty:
    charts.show(charts.horizontal_bars(reasons, "rows", "rule", "source", t("chart_quarantine"), col("rows"),
                                       col("rule"), col("source")))
table(reasons, "quarantine_reasons")

st.subheader(t("row_flags"))
table(queries.row_flags(), "row_flags")

st.subheader(t("gx"))
table(queries.gx_results(), "gx_results", height=300)

st.subheader(t("erasures"))
table(privacy_queries.erasures(), "erasures")
