"""Refunds and returns (analyst, manager, regulator): 7-day refunds, no-reason-return refusals, slowest refunds."""

from __future__ import annotations

import streamlit as st

from dagster_project.warehouse.kpi_config import limit
from dashboards import charts, queries
from dashboards.auth import page_setup
from dashboards.i18n import breach_state, col, fmt_kpi, fmt_target, kpi_name, t
from dashboards.ui import month_range, require_warehouse, table

page_setup("refunds")
require_warehouse()

defs = queries.kpi_definitions()
units = dict(zip(defs["kpi_code"], defs["unit"], strict=False))
kpis = queries.refund_kpis()
months = queries.kpi_months()
lo, hi = month_range(months, "rf_months")
in_range = kpis[(kpis["month"].dt.date >= lo) & (kpis["month"].dt.date <= hi)]

latest = in_range[in_range["month"] == in_range["month"].max()].set_index("kpi_code") if not in_range.empty else None
cells = st.columns(4)
for i, code in enumerate(["refund_within_7d_rate", "nrr_refusal_rate", "refund_over_15d_count",
                          "refund_median_days"]):
    if latest is None or code not in latest.index:
        continue
    row = latest.loc[code]
    cells[i].metric(kpi_name(defs, code), fmt_kpi(row["value"], units.get(code)))
    cells[i].caption(f"{t('target')} {fmt_target(row['target'], row['target_operator'], units.get(code))} · "
                     f"{breach_state(row['breached'], row['target_operator'])}")

series = in_range[in_range["kpi_code"] == "refund_within_7d_rate"]
if not series.empty:
    charts.show(charts.line_with_target(series[["month", "value", "target"]].reset_index(drop=True),
                                        t("chart_refund_7d", days=limit(queries.kpi_config(), "rw_refund_days")),
                                        col("month"), kpi_name(defs, "refund_within_7d_rate"), y_format="%"))

st.subheader(t("nrr_refusals"))
table(queries.nrr_refusals(lo, hi), "nrr_refusals", {"from": lo, "to": hi})

st.subheader(t("slowest_refunds"))
table(queries.slowest_refunds(lo, hi), "slowest_refunds", {"from": lo, "to": hi})
