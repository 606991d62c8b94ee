"""Overview (all roles): headline KPIs against targets, trends, rights breakdown, every KPI's breach state."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.auth import page_setup
from dashboards.i18n import breach_state, col, fixed, fmt_kpi, fmt_month, fmt_target, kpi_name, t
from dashboards.ui import month_picker, month_range, previous, require_warehouse, table

HEADLINE = (
    "complaint_first_response_24h_rate", "complaint_resolved_rate", "complaint_resolution_median_hours",
    "refund_within_7d_rate", "nrr_refusal_rate", "fake_original_price_rate", "late_shipment_rate",
    "order_defect_rate",
)

page_setup("overview")
require_warehouse()

defs = queries.kpi_definitions()
units = dict(zip(defs["kpi_code"], defs["unit"], strict=False))
platform = queries.kpi_platform()
months = queries.kpi_months()
month = month_picker(months, "ov_month")
prev = previous(months, month)

# --- headline ------------------------------------------------------------------------------------
st.subheader(t("headline"))
now = platform[platform["month"].dt.date == month].set_index("kpi_code")
before = platform[platform["month"].dt.date == prev].set_index("kpi_code") if prev else pd.DataFrame()
codes = [c for c in HEADLINE if c in now.index] or list(now.index[:8])
cells = st.columns(4)
for i, code in enumerate(codes):
    row = now.loc[code]
    unit = units.get(code)
    delta = None
    if prev is not None and code in before.index and pd.notna(row["value"]) and pd.notna(before.loc[code, "value"]):
        diff = float(row["value"]) - float(before.loc[code, "value"])
        delta = ("+" if diff >= 0 else "-") + fmt_kpi(abs(diff), unit)
    good_up = row["target_operator"] == ">="
    with cells[i % 4]:
        st.metric(kpi_name(defs, code), fmt_kpi(row["value"], unit), delta,
                  delta_color="normal" if good_up else "inverse",
                  help=f"{t('target')}: {fmt_target(row['target'], row['target_operator'], unit)}")
        st.caption(f"{t('target')} {fmt_target(row['target'], row['target_operator'], unit)} · "
                   f"{breach_state(row['breached'], row['target_operator'])} · {t('vs_prev')}")

# --- trend ---------------------------------------------------------------------------------------
st.subheader(t("kpi_trend"))
all_codes = sorted(platform["kpi_code"].unique())
code = st.selectbox(t("kpi"), all_codes, index=all_codes.index(codes[0]) if codes else 0,
                    format_func=fixed(lambda c: kpi_name(defs, c)), key="ov_trend_kpi")
trend = platform[platform["kpi_code"] == code][["month", "value", "target"]].copy()
title = t("chart_kpi_trend", kpi=kpi_name(defs, code))
line = alt.Chart(trend).mark_line(point=True).encode(
    x=alt.X("month:T", title=col("month")), y=alt.Y("value:Q", title=kpi_name(defs, code)),
    tooltip=[alt.Tooltip("month:T", title=col("month")), alt.Tooltip("value:Q", title=col("value"))])
layers = [line]
if trend["target"].notna().any():
    layers.append(alt.Chart(trend).mark_line(strokeDash=[6, 4], color="#d62728").encode(
        x="month:T", y="target:Q"))
st.altair_chart(alt.layer(*layers).properties(title=title, height=260), width="stretch")

# --- per right -----------------------------------------------------------------------------------
st.subheader(t("per_right"))
rights = queries.rights_monthly()
if not rights.empty:
    chart = alt.Chart(rights).mark_bar().encode(
        x=alt.X("month:T", title=col("month")), y=alt.Y("complaints:Q", title=col("complaints")),
        color=alt.Color("right_category:N", title=col("right_category")),
        tooltip=["right_category", "complaints", "substantiated_share", "resolved_share"])
    st.altair_chart(chart.properties(title=t("chart_rights"), height=260), width="stretch")
month_rights = rights[rights["month"].dt.date == month]
table(month_rights, "rights_monthly", {"month": month})

# --- every KPI, target and breach by month and merchant -----------------------------------------
st.subheader(t("all_kpis"))
merchants = queries.merchants()
names = dict(zip(merchants["merchant_id"], merchants["merchant_name"], strict=False))
scopes = ["__platform__", "__all__", *merchants["merchant_id"].tolist()]
labels = {"__platform__": t("scope_platform"), "__all__": t("scope_all")}
c1, c2, c3 = st.columns([2, 2, 3])
with c1:
    scope = st.selectbox(t("scope"), scopes, format_func=fixed(lambda s: labels.get(s, f"{s} {names.get(s, '')}")),
                         key="ov_scope")
with c2:
    kpi_filter = st.selectbox(t("kpi"), ["", *all_codes],
                              format_func=fixed(lambda c: t("all") if c == "" else kpi_name(defs, c)), key="ov_kpi")
with c3:
    lo, hi = month_range(months, "ov_range")
rows = queries.kpi_rows(lo, hi, scope, kpi_filter)
if not rows.empty:
    grid = rows.groupby(["month", "kpi_code"], as_index=False).agg(
        breached=("breached", lambda s: int(s.fillna(False).astype(bool).sum())),
        assessed=("breached", lambda s: int(s.notna().sum())))
    grid["kpi"] = grid["kpi_code"].map(lambda c: kpi_name(defs, c))
    grid["state"] = grid.apply(lambda r: t("monitor") if r["assessed"] == 0
                               else (t("breached") if r["breached"] > 0 else t("met")), axis=1)
    heat = alt.Chart(grid).mark_rect().encode(
        x=alt.X("yearmonth(month):O", title=col("month")), y=alt.Y("kpi:N", title=col("kpi")),
        color=alt.Color("state:N", title=col("state"),
                        scale=alt.Scale(domain=[t("met"), t("breached"), t("monitor")],
                                        range=["#2ca02c", "#d62728", "#c7c7c7"])),
        tooltip=[alt.Tooltip("kpi:N", title=col("kpi")), alt.Tooltip("state:N", title=col("state")),
                 alt.Tooltip("breached:Q", title=col("breached"))])
    st.altair_chart(heat.properties(title=t("chart_breach_grid")), width="stretch")
shown = pd.DataFrame({
    "month": rows["month"].map(fmt_month),
    "merchant_id": rows["merchant_id"],
    "merchant_name": rows["merchant_name"],
    "kpi": rows["kpi_code"].map(lambda c: kpi_name(defs, c)),
    "value": [fmt_kpi(v, units.get(c)) for v, c in zip(rows["value"], rows["kpi_code"], strict=False)],
    "target": [fmt_target(v, o, units.get(c)) for v, o, c in
               zip(rows["target"], rows["target_operator"], rows["kpi_code"], strict=False)],
    "state": [breach_state(b, o) for b, o in zip(rows["breached"], rows["target_operator"], strict=False)],
    "numerator": rows["numerator"], "denominator": rows["denominator"], "pending_count": rows["pending_count"],
})
if scope == "__platform__":
    shown = shown.drop(columns=["merchant_id", "merchant_name"])
table(shown, "kpi_monthly", {"scope": scope, "kpi": kpi_filter, "from": lo, "to": hi})
