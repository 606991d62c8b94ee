"""Overview (all roles): headline KPIs against targets, trends, rights breakdown, every KPI's breach state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries
from dashboards.auth import page_setup
from dashboards.i18n import breach_state, col, fixed, fmt_change, fmt_kpi, fmt_month, fmt_target, kpi_names, t
from dashboards.ui import month_picker, month_range, previous, require_warehouse, table

HEADLINE = (
    "complaint_first_response_24h_rate", "complaint_resolved_rate", "complaint_resolution_median_hours",
    "refund_within_7d_rate", "nrr_refusal_rate", "fake_original_price_rate", "late_shipment_rate",
    "order_defect_rate",
)

page_setup("overview")
require_warehouse()

defs = queries.kpi_definitions()
names = kpi_names(defs)
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
        delta = fmt_change(diff, unit)
    good_up = row["target_operator"] == ">="
    target = fmt_target(row["target"], row["target_operator"], unit)
    with cells[i % 4]:
        st.metric(names.get(code, code), fmt_kpi(row["value"], unit), delta,
                  delta_color="normal" if good_up else "inverse", help=f"{t('target')}: {target}")
        st.caption(f"{t('target')} {target} · {breach_state(row['breached'], row['target_operator'])}")
if prev is not None:
    st.caption(t("delta_note", month=fmt_month(prev)))

# --- trend, rights, every KPI: one lazy tab at a time --------------------------------------------
# Only the open tab is queried, reshaped and sent, so the landing page builds one chart, not three
# charts and two tables.
all_codes = sorted(platform["kpi_code"].unique())
sections = ["kpi_trend", "per_right", "all_kpis"]
tabs = dict(zip(sections, st.tabs([t(s) for s in sections], key="ov_tab", on_change="rerun"), strict=True))
if tabs["kpi_trend"].open:
    with tabs["kpi_trend"]:
        code = st.selectbox(t("kpi"), all_codes, index=all_codes.index(codes[0]) if codes else 0,
                            format_func=fixed(lambda c: names.get(c, c)), key="ov_trend_kpi")
        trend = platform.loc[platform["kpi_code"] == code, ["month", "value", "target"]].reset_index(drop=True)
        charts.show(charts.line_with_target(trend, t("chart_kpi_trend", kpi=names.get(code, code)), col("month"),
                                            names.get(code, code), value_title=col("value"),
                                            y_format="%" if units.get(code) == "rate" else ""))
if tabs["per_right"].open:
    with tabs["per_right"]:
        rights = queries.rights_monthly()
        if not rights.empty:
            charts.show(charts.stacked_bars(rights[["month", "right_category", "complaints"]], "month", "complaints",
                                            "right_category", t("chart_rights"), col("month"), col("complaints"),
                                            col("right_category")))
        table(rights[rights["month"].dt.date == month], "rights_monthly", {"month": month})
if tabs["all_kpis"].open:
    with tabs["all_kpis"]:
        merchants = queries.merchants()
        merchant_names = dict(zip(merchants["merchant_id"], merchants["merchant_name"], strict=False))
        scopes = ["__platform__", "__all__", *merchants["merchant_id"].tolist()]
        labels = {"__platform__": t("scope_platform"), "__all__": t("scope_all")}
        c1, c2, c3 = st.columns([2, 2, 3])
        with c1:
            scope = st.selectbox(t("scope"), scopes, key="ov_scope",
                                 format_func=fixed(lambda s: labels.get(s, f"{s} {merchant_names.get(s, '')}")))
        with c2:
            kpi_filter = st.selectbox(t("kpi"), ["", *all_codes], key="ov_kpi",
                                      format_func=fixed(lambda c: t("all") if c == "" else names.get(c, c)))
        with c3:
            lo, hi = month_range(months, "ov_range")
        rows = queries.kpi_rows(lo, hi, scope, kpi_filter)
        grid = queries.kpi_breach_grid(lo, hi, scope, kpi_filter)  # aggregated once, in the published marts
        if not grid.empty:
            grid = grid.assign(kpi=grid["kpi_code"].map(names).fillna(grid["kpi_code"]),
                               state=grid["state"].map({s: t(s) for s in ("met", "breached", "monitor")}))
            charts.show(charts.breach_grid(grid[["month", "kpi", "state", "breached"]], t("chart_breach_grid"),
                                           col("month"), col("kpi"), col("state"), (t("met"), t("breached"), t("monitor"))))
        codes_list = rows["kpi_code"].tolist()
        shown = pd.DataFrame({
            "month": [fmt_month(m) for m in rows["month"].tolist()],
            "merchant_id": rows["merchant_id"],
            "merchant_name": rows["merchant_name"],
            "kpi": [names.get(c, c) for c in codes_list],
            "value": [fmt_kpi(v, units.get(c)) for v, c in zip(rows["value"].tolist(), codes_list, strict=False)],
            "target": [fmt_target(v, o, units.get(c)) for v, o, c in
                       zip(rows["target"].tolist(), rows["target_operator"].tolist(), codes_list, strict=False)],
            "state": [breach_state(b, o) for b, o in
                      zip(rows["breached"].tolist(), rows["target_operator"].tolist(), strict=False)],
            "numerator": rows["numerator"], "denominator": rows["denominator"], "pending_count": rows["pending_count"],
        })
        if scope == "__platform__":
            shown = shown.drop(columns=["merchant_id", "merchant_name"])
        table(shown, "kpi_monthly", {"scope": scope, "kpi": kpi_filter, "from": lo, "to": hi}, height=420)
