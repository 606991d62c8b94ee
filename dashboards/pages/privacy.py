"""Personal-information requests (analyst, manager, regulator): the three request KPIs, requests by type
and channel, and deletion requests past the limit. Counts and request ids only, never a person."""

from __future__ import annotations

import streamlit as st

from dashboards import privacy_queries
from dashboards.auth import page_setup
from dashboards.i18n import breach_state, fmt_kpi, fmt_target, kpi_name, t
from dashboards.ui import month_range, require_warehouse, table

page_setup("privacy")
require_warehouse()

defs = privacy_queries.queries.kpi_definitions()
units = dict(zip(defs["kpi_code"], defs["unit"], strict=False))
kpis = privacy_queries.privacy_kpis()
months = privacy_queries.queries.kpi_months()
lo, hi = month_range(months, "pv_months")
in_range = kpis[(kpis["month"].dt.date >= lo) & (kpis["month"].dt.date <= hi)]

latest = in_range[in_range["month"] == in_range["month"].max()].set_index("kpi_code") if not in_range.empty else None
cells = st.columns(3)
for i, code in enumerate(privacy_queries.PRIVACY_KPIS):
    if latest is None or code not in latest.index:
        continue
    row = latest.loc[code]
    cells[i].metric(kpi_name(defs, code), fmt_kpi(row["value"], units.get(code)))
    cells[i].caption(f"{t('target')} {fmt_target(row['target'], row['target_operator'], units.get(code))} · "
                     f"{breach_state(row['breached'], row['target_operator'])}")

frame = privacy_queries.breakdown(lo, hi)
st.subheader(t("privacy_by_type"))
by_type = (frame.groupby("request_type", as_index=False)[["requests", "answered_on_time", "answered_late",
                                                          "pending", "open_overdue"]].sum()
           if not frame.empty else frame)
table(by_type, "privacy_by_type", {"from": lo, "to": hi})
st.subheader(t("privacy_by_channel"))
by_channel = (frame.groupby("channel", as_index=False)[["requests", "answered_on_time", "answered_late",
                                                        "pending", "open_overdue"]].sum()
              if not frame.empty else frame)
table(by_channel, "privacy_by_channel", {"from": lo, "to": hi})

st.subheader(t("privacy_overdue_deletions"))
table(privacy_queries.overdue_deletions(lo, hi), "privacy_overdue_deletions", {"from": lo, "to": hi})
