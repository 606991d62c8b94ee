"""Complaints explorer (analyst, manager): filters, handling time against the configured limit, the complaints.

The first-response rate shown is the published KPI (marts.rpt_kpi_monthly), never recomputed here:
only the mart applies the pending and cut-off rules. Its label and the chart's rule state the limit
the build used (marts.rpt_kpi_config), so a changed RW_CONFIG shows everywhere at once.

The figures, the handling-time bins and the table pages are computed in SQL on the filtered rows, so
the page costs the same at 500 or 500,000 complaints.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboards import charts, queries, ui
from dashboards.auth import page_setup
from dashboards.i18n import col, fmt_kpi, fmt_month, fmt_number, kpi_name, t
from dashboards.ui import TABLE_PAGE_SIZE, month_range, require_warehouse

page_setup("complaints")
require_warehouse()

facets = queries.complaint_facets()
merchants = queries.merchants()
names = dict(zip(merchants["merchant_id"], merchants["merchant_name"], strict=False))

lo, hi = month_range(queries.complaint_months(), "cx_months", default_last=queries.COMPLAINT_DEFAULT_MONTHS)
with ui.more_filters(("cx_right", "cx_issue", "cx_channel", "cx_merchant", "cx_region", "cx_status")):
    rights = st.multiselect(t("right"), facets.get("right_category", []), key="cx_right", placeholder=t("choose"))
    issues = st.multiselect(t("issue"), facets.get("issue_code", []), key="cx_issue", placeholder=t("choose"))
    channels = st.multiselect(t("channel"), facets.get("channel", []), key="cx_channel", placeholder=t("choose"))
    merchant_ids = st.multiselect(t("merchant"), merchants["merchant_id"].tolist(),
                                  format_func=lambda m: f"{m} {names.get(m, '')}", key="cx_merchant",
                                  placeholder=t("choose"))
    regions = st.multiselect(t("region"), facets.get("region", []), key="cx_region", placeholder=t("choose"))
    statuses = st.multiselect(t("status"), facets.get("status", []), key="cx_status", placeholder=t("choose"))

filters = {"from": lo, "to": hi, "right": rights, "issue": issues, "channel": channels,
           "merchant": merchant_ids, "region": regions, "status": statuses}
where = queries.ComplaintFilter(lo, hi, tuple(rights), tuple(issues), tuple(channels), tuple(merchant_ids),
                                tuple(regions), tuple(statuses))
# Figures and chart bins come from SQL over every filtered row; the table below is one page of them.
limit_hours = queries.first_response_limit_hours()
summary = queries.complaints_summary(where)
scope = merchant_ids[0] if len(merchant_ids) == 1 else "__platform__"
published = queries.kpi_rows(hi, hi, scope, queries.FIRST_RESPONSE_KPI)
m1, m2, m3 = st.columns(3)
m1.metric(t("complaints_count"), fmt_number(summary["complaints"]))
m2.metric(kpi_name(queries.kpi_definitions(), queries.FIRST_RESPONSE_KPI),
          fmt_kpi(published["value"].iloc[0] if len(published) else None, "rate"))
m2.caption(t("published_kpi", month=fmt_month(hi),
             scope=t("scope_platform") if scope == "__platform__" else f"{scope} {names.get(scope, '')}"))
m3.metric(t("median_first_response"), f"{fmt_number(summary['median_first_response_hours'], 1)} {t('hours_axis')}")

if summary["responded"] and limit_hours == limit_hours:  # no rule without a recorded limit
    charts.show(charts.binned_histogram_with_rule(queries.complaints_histogram(where), limit_hours,
                                                  t("chart_handling", hours=f"{limit_hours:g}"), t("hours_axis"),
                                                  t("count_axis")))

st.subheader(t("complaint_table"))
total = int(summary["complaints"])
page = ui.pager(total, TABLE_PAGE_SIZE, "cx_page", where)
df = queries.complaints_page(where, page, TABLE_PAGE_SIZE)
ui.table(df, "complaints", filters, height=420, everything=partial(queries.all_complaints, where), rows=total)

# Free text is shown as text only: st.text never interprets markup. Only for a complaint someone
# chose (not the first row on every visit): one element less to draw per visit.
chosen = None
if not df.empty:
    chosen = st.selectbox(t("pick_complaint"), df["complaint_id"].tolist(), key="cx_pick", index=None,
                          placeholder=t("pick_complaint_placeholder"))
if chosen is not None:
    row = df.loc[df["complaint_id"] == chosen].iloc[0]
    # ids come from the data too: shown with st.text, never as Markdown
    st.text(f"{col('description')} · {chosen} · {row['merchant_id']} · {row['issue_code']}")
    st.text(row["description"] if isinstance(row["description"], str) else "")
