"""Price honesty (analyst, manager, regulator): fake original prices with the reference price proving each."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import charts, queries
from dashboards.auth import page_setup
from dashboards.i18n import col, fixed, fmt_number, t
from dashboards.ui import require_warehouse, table

page_setup("price")
require_warehouse()

verdicts = queries.price_verdicts()
if not verdicts.empty:
    charts.show(charts.stacked_bars(verdicts, "month", "lines", "verdict", t("chart_price"), col("month"),
                                    col("lines"), col("verdict"), ("fake", "ok", "unverifiable"),
                                    (charts.RED, charts.GREEN, charts.GREY)))
    first, last = pd.Timestamp(verdicts["month"].min()).date(), date.today()
else:
    first, last = date(2000, 1, 1), date.today()

merchants = queries.merchants()
names = dict(zip(merchants["merchant_id"], merchants["merchant_name"], strict=False))
c1, c2 = st.columns(2)
picked = c1.date_input(t("date_range"), value=(first, last), key="pr_dates")
date_from, date_to = (picked if isinstance(picked, tuple) and len(picked) == 2 else (first, last))
merchant = c2.selectbox(t("merchant"), ["", *merchants["merchant_id"].tolist()],
                        format_func=fixed(lambda m: t("all") if m == "" else f"{m} {names.get(m, '')}"), key="pr_merchant")

df = queries.fake_prices(date_from, date_to, merchant)
st.subheader(t("fake_prices"))
st.metric(t("fake_lines"), fmt_number(len(df)))
table(df, "fake_prices", {"from": date_from, "to": date_to, "merchant": merchant})
