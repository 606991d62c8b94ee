"""Altair charts, built once per data and title and cached as Vega-Lite specs, shown as server-drawn SVG.

Building an Altair chart validates it against the Vega-Lite JSON schema, which costs far more than
the query behind it. The builders here are cached on their inputs (the frame's content, the titles in
the session's language), so a warm page only sends the stored spec: ``show(spec)``.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.queries import CACHE_TTL_SECONDS
from dashboards.static_view import interactive, show_chart

RED, GREEN, GREY = "#d62728", "#2ca02c", "#c7c7c7"
# Language-neutral month ticks (Vega's own month names are English only).
MONTH_AXIS = alt.Axis(format="%Y-%m", tickCount="month")
MONTH_LABELS = alt.Axis(format="%Y-%m", formatType="time", labelAngle=0)


def show(spec: dict[str, Any]) -> None:
    """The chart as a server-drawn SVG, or as an interactive Vega-Lite chart when the session asked for
    one (see dashboards.static_view for why the default is the SVG)."""
    if interactive():
        st.vega_lite_chart(spec, width="stretch")
    else:
        show_chart(spec)


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.to_dict()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def line_with_target(df: pd.DataFrame, title: str, x_title: str, y_title: str, y_format: str = "",
                     value_title: str = "") -> dict[str, Any]:
    """Columns month, value, target (target may be all null)."""
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    line = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("month:T", title=x_title, axis=MONTH_AXIS), y=alt.Y("value:Q", title=y_title, axis=axis),
        tooltip=[alt.Tooltip("month:T", title=x_title), alt.Tooltip("value:Q", title=value_title or y_title)])
    layers = [line]
    if df["target"].notna().any():
        layers.append(alt.Chart(df).mark_line(strokeDash=[6, 4], color=RED).encode(x="month:T", y="target:Q"))
    return _spec(alt.layer(*layers).properties(title=title, height=260))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, x_title: str, y_title: str,
                 color_title: str, domain: tuple[str, ...] = (), colors: tuple[str, ...] = ()) -> dict[str, Any]:
    scale = alt.Scale(domain=list(domain), range=list(colors)) if domain else alt.Undefined
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X(f"yearmonth({x}):O", title=x_title, axis=MONTH_LABELS), y=alt.Y(f"{y}:Q", title=y_title),
        color=alt.Color(f"{color}:N", title=color_title, scale=scale),
        tooltip=[alt.Tooltip(f"yearmonth({x}):O", title=x_title), alt.Tooltip(f"{color}:N", title=color_title),
                 alt.Tooltip(f"{y}:Q", title=y_title)])
    return _spec(chart.properties(title=title, height=260))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def breach_grid(df: pd.DataFrame, title: str, x_title: str, y_title: str, state_title: str,
                states: tuple[str, str, str]) -> dict[str, Any]:
    """Columns month, kpi, state, breached: a month × KPI grid coloured met / breached / monitor."""
    chart = alt.Chart(df).mark_rect().encode(
        x=alt.X("yearmonth(month):O", title=x_title, axis=MONTH_LABELS), y=alt.Y("kpi:N", title=y_title),
        color=alt.Color("state:N", title=state_title,
                        scale=alt.Scale(domain=list(states), range=[GREEN, RED, GREY])),
        tooltip=[alt.Tooltip("kpi:N", title=y_title), alt.Tooltip("state:N", title=state_title),
                 alt.Tooltip("breached:Q")])
    return _spec(chart.properties(title=title))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def binned_histogram_with_rule(bins: pd.DataFrame, rule_at: float, title: str, x_title: str,
                               y_title: str) -> dict[str, Any]:
    """Columns bin_start, bin_end, complaints (bins computed in SQL); a red rule at the target."""
    bars = alt.Chart(bins).mark_bar().encode(
        x=alt.X("bin_start:Q", bin="binned", title=x_title), x2="bin_end:Q",
        y=alt.Y("complaints:Q", title=y_title),
        tooltip=[alt.Tooltip("bin_start:Q", format=".1f"), alt.Tooltip("bin_end:Q", format=".1f"),
                 alt.Tooltip("complaints:Q", title=y_title)])
    rule = alt.Chart(pd.DataFrame({"h": [rule_at]})).mark_rule(color=RED, strokeWidth=2).encode(x="h:Q")
    return _spec((bars + rule).properties(title=title, height=240))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def horizontal_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, x_title: str, y_title: str,
                    color_title: str) -> dict[str, Any]:
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X(f"sum({x}):Q", title=x_title), y=alt.Y(f"{y}:N", sort="-x", title=y_title),
        color=alt.Color(f"{color}:N", title=color_title))
    return _spec(chart.properties(title=title, height=max(160, 26 * int(df[y].nunique()))))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def points_timeline(df: pd.DataFrame, title: str, x_title: str, y_title: str, color_title: str) -> dict[str, Any]:
    """Columns evidence_date, points, severity, evidence_id, violation_type."""
    chart = alt.Chart(df).mark_circle(size=120).encode(
        x=alt.X("evidence_date:T", title=x_title, axis=alt.Axis(format="%Y-%m-%d")),
        y=alt.Y("points:Q", title=y_title),
        color=alt.Color("severity:N", title=color_title),
        tooltip=["evidence_id:N", "violation_type:N", "points:Q"])
    return _spec(chart.properties(title=title, height=220))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def multi_line(df: pd.DataFrame, title: str, x_title: str, y_title: str, color_title: str) -> dict[str, Any]:
    """Columns month, value, kpi."""
    chart = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("month:T", title=x_title, axis=MONTH_AXIS), y=alt.Y("value:Q", title=y_title),
        color=alt.Color("kpi:N", title=color_title))
    return _spec(chart.properties(title=title, height=260))
