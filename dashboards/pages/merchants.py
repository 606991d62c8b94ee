"""Merchants (manager; regulator sees only tier >= 1): enforcement list, drill-down, management decisions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dagster_project.state import decisions, open_state
from dashboards import charts, queries
from dashboards.auth import page_setup
from dashboards.i18n import col, kpi_names, localized, t
from dashboards.ui import TABLE_PAGE_SIZE, flash, more_filters, pager, require_warehouse, show_flash, table

user = page_setup("merchants")
show_flash()
require_warehouse()
is_manager = user.role == "manager"
min_tier = 0 if is_manager else queries.REGULATOR_MIN_TIER
if not is_manager:
    st.info(t("regulator_note"))


# --- the list ------------------------------------------------------------------------------------
facets = queries.enforcement_facets()
with more_filters(("mx_tier", "mx_category", "mx_region")):
    tiers = st.multiselect(t("tier"), [t_ for t_ in range(4, min_tier - 1, -1)], key="mx_tier",
                           placeholder=t("choose"))
    categories = st.multiselect(t("category"), facets.get("category", []), key="mx_category", placeholder=t("choose"))
    regions = st.multiselect(t("region"), facets.get("region", []), key="mx_region", placeholder=t("choose"))
df = queries.enforcement(min_tier, tiers, categories, regions)

decided: dict[str, dict] = {}
api = decisions if is_manager else None
if api is not None:
    con = open_state()
    try:
        decided = {str(d["merchant_id"]): dict(d) for d in api.current_decisions(con)}
    finally:
        con.close()

shown = pd.DataFrame({
    "as_of_date": df["as_of_date"], "merchant_id": df["merchant_id"], "merchant_name": df["merchant_name"],
    "category": df["category"], "region": df["region"], "tier": df["tier"],
    "tier_name": localized(df, "tier_name"), "recommended_action": localized(df, "recommended_action"),
    "general_points": df["general_points"], "serious_points": df["serious_points"],
    "total_points": df["total_points"], "top_reasons": localized(df, "top_reasons"),
    "evidence_count": df["evidence_count"], "tier_first_reached_on": df["tier_first_reached_on"],
    "previous_tier": df["previous_tier"], "tier_change": df["tier_change"], "rate_scored": df["rate_scored"],
})
if is_manager:
    shown["decision"] = shown["merchant_id"].map(lambda m: (decided.get(m) or {}).get("decision"))
    shown["decided_tier"] = shown["merchant_id"].map(lambda m: (decided.get(m) or {}).get("decided_tier"))
st.subheader(t("enforcement_list"))
# One page of the list on screen, most serious first (the query's order); the downloads and the
# drill-down's choice hold every listed merchant. A platform lists thousands of merchants: the browser
# gets one page of them, never the whole list (docs/performance.md, "Pages of 25 rows").
list_filters = {"tier": tiers, "category": categories, "region": regions, "min_tier": min_tier}
page = pager(len(shown), TABLE_PAGE_SIZE, "mx_page", list_filters)
table(shown.iloc[page * TABLE_PAGE_SIZE:(page + 1) * TABLE_PAGE_SIZE], "enforcement_list", list_filters,
      gb18030=True, height=360, everything=lambda: shown, rows=len(shown))

# --- drill-down ----------------------------------------------------------------------------------
if df.empty:
    st.stop()
st.subheader(t("drill_down"))
listed_names = dict(zip(df["merchant_id"].tolist(), df["merchant_name"].tolist(), strict=False))
# Built only for the merchant asked for: opening the page sends the list, not a drill-down (its tabs,
# chart, tables and decision form cost the browser about as much as the rest of the page; measured
# with scripts/loadtest.py) for a merchant nobody chose.
merchant_id = st.selectbox(t("pick_merchant"), df["merchant_id"].tolist(), index=None,
                           placeholder=t("pick_merchant_placeholder"),
                           format_func=lambda m: f"{m} {listed_names.get(m, '')}", key="mx_pick")
if merchant_id is None:
    st.caption(t("pick_merchant_hint"))
    st.stop()
row = df.set_index("merchant_id").loc[merchant_id]
m1, m2, m3 = st.columns(3)
m1.metric(t("computed_tier"), f"{int(row['tier'])} · {localized(df[df['merchant_id'] == merchant_id], 'tier_name').iloc[0]}")
m2.metric(col("serious_points"), int(row["serious_points"]))
m3.metric(col("general_points"), int(row["general_points"]))

# The evidence behind the points, one tab at a time: only the open tab is queried and sent, so opening
# the page does not build six tables and two charts nobody has looked at yet.
tab_labels = [t("evidence_timeline"), t("chart_merchant_kpi"), t("behind_complaints"), t("behind_refunds"),
              t("behind_orders")]
tab_evidence, tab_kpi, tab_complaints, tab_refunds, tab_orders = st.tabs(tab_labels, key="mx_tab",
                                                                        on_change="rerun")
if tab_evidence.open:
    with tab_evidence:
        ev = queries.evidence(merchant_id)
        if not ev.empty:
            charts.show(charts.points_timeline(ev[["evidence_date", "points", "severity", "evidence_id",
                                                   "violation_type"]],
                                               t("chart_evidence"), col("evidence_date"), col("points"),
                                               col("severity")))
        table(ev, f"evidence_{merchant_id}", {"merchant_id": merchant_id})
if tab_kpi.open:
    with tab_kpi:
        kpi = queries.kpi_rows(date(1900, 1, 1), date(2999, 12, 1), merchant_id)
        if kpi.empty:
            st.info(t("no_data"))
        else:
            names = kpi_names(queries.kpi_definitions())
            rates = kpi.loc[kpi["kpi_code"].str.endswith("_rate"), ["month", "value", "kpi_code"]]
            rates = rates.assign(kpi=rates["kpi_code"].map(names).fillna(rates["kpi_code"]))[["month", "value", "kpi"]]
            charts.show(charts.multi_line(rates.reset_index(drop=True), t("chart_merchant_kpi"), col("month"),
                                          col("value"), col("kpi")))
for tab, rows_of, name in ((tab_complaints, queries.evidence_complaints, "evidence_complaints"),
                           (tab_refunds, queries.evidence_refunds, "evidence_refunds"),
                           (tab_orders, queries.evidence_orders, "evidence_orders")):
    if tab.open:
        with tab:
            table(rows_of(merchant_id), f"{name}_{merchant_id}", {"merchant_id": merchant_id})

# --- decision (managers) -------------------------------------------------------------------------
if not is_manager:
    st.stop()
st.subheader(t("decision_form"))
if api is None:
    st.info(t("decisions_unavailable"))
    st.stop()
computed = int(row["tier"])
as_of = pd.Timestamp(row["as_of_date"]).date()
current = decided.get(merchant_id)
st.caption(f"{t('computed_tier')}: {computed} · {t('current_decision')}: "
           + (f"{current.get('decision')} → {current.get('decided_tier')}" if current else t("no_decision")))
choices = {"confirm": t("decision_confirm"), "downgrade": t("decision_downgrade"), "dismiss": t("decision_dismiss")}
with st.form(f"decision_{merchant_id}", clear_on_submit=True):
    decision = st.radio(t("decision"), list(choices), format_func=choices.get, key="mx_decision")
    lower = list(range(computed - 1, -1, -1)) or [0]
    decided_tier = st.selectbox(t("decided_tier"), lower, key="mx_decided_tier")
    reason = st.text_area(t("reason"), key="mx_reason", max_chars=2000)
    submitted = st.form_submit_button(t("submit"), type="primary")
if submitted:
    reason = (reason or "").strip()
    if decision != "confirm" and not reason:
        st.error(t("reason_required"))
    elif decision == "downgrade" and not decided_tier < computed:
        st.error(t("downgrade_lower"))
    else:
        final_tier = {"confirm": computed, "downgrade": int(decided_tier), "dismiss": 0}[decision]
        con = open_state()
        try:
            # The decisions API validates again and writes the audit entry in the same transaction.
            api.record_decision(con, merchant_id, as_of, computed, decision, final_tier, reason or None, user.name)
        except api.DecisionError as exc:
            st.error(t("action_refused"))
            st.text(str(exc))
        else:
            flash(t("decision_saved"))
        finally:
            con.close()
con = open_state()
try:
    history = pd.DataFrame([dict(h) for h in api.decision_history(con, merchant_id)])
finally:
    con.close()
st.markdown(f"**{t('decision_history')}**")
table(history, f"decisions_{merchant_id}", {"merchant_id": merchant_id})
