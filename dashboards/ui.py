"""Small building blocks the pages share: tables with downloads, month pickers, the warehouse guard."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dagster_project.reports.data import DEFAULT_TZ
from dashboards import queries
from dashboards.downloads import download_buttons
from dashboards.i18n import (
    CODE_COLUMNS,
    code,
    col,
    fixed,
    fmt_datetime,
    fmt_month,
    fmt_number,
    lang,
    relabel,
    t,
)
from dashboards.static_view import interactive, one_decimal, percent, show_table

TABLE_PAGE_SIZE = 25  # rows of a paged table sent to the browser at a time (fewer: less browser CPU)
STATIC_ROW_LIMIT = 500  # rows of a server-built table shown at most (the downloads hold them all)
# Up to this many pages the pager is a select box, whose script the overview has loaded; beyond, a number
# box (a select box would send the browser every page number). A page's first use of a widget type costs
# the browser its script under load (docs/performance.md, "The first page after sign-in").
PAGE_CHOICES_MAX = 200


# Every CSS animation and transition off: the running indicator, the fading of a page's elements while a
# run replaces them, the sidebar's slide. Each is a stream of frames the browser composites while the
# reader waits; with eight people's browsers on two cores they cost CPU the pages need (scripts/loadtest.py:
# the browsers' GPU process 3.5-3.9 -> 1.7-2.4 CPU-s a run, docs/performance.md). Nothing is lost but motion.
STILL_PAGE_CSS = "*,*::before,*::after{animation:none!important;transition:none!important}"


def still_page() -> None:
    """Turn off motion for the session's page (a style-only ``st.html`` takes no room on the page)."""
    st.html(f"<style>{STILL_PAGE_CSS}</style>")


def require_warehouse() -> None:
    """Stop the page with a clear message when nothing has been published yet."""
    when = queries.published_at()
    if when is None:
        st.warning(t("no_warehouse"))
        st.stop()
    st.caption(t("published", when=fmt_datetime(when, reporting_tz())))


def reporting_tz() -> str:
    """The reporting time zone the published build used (rpt_kpi_config), for every time shown."""
    return str(queries.kpi_config().get("rw_reporting_tz") or DEFAULT_TZ)


def table(df: pd.DataFrame, name: str, filters: Mapping[str, Any] | None = None, *, gb18030: bool = False,
          height: int | None = None, everything: Callable[[], pd.DataFrame] | None = None,
          rows: int | None = None) -> None:
    """Show a table with its download buttons, filters applied: a server-built, escaped HTML table (see
    dashboards.static_view), or Streamlit's data grid when the session turned interactive views on.
    Never Markdown: text from the data is never interpreted.

    For a table paged in SQL, ``df`` is the page shown and ``everything`` fetches all ``rows`` filtered
    rows for the downloads, only when one is clicked.
    """
    if df.empty:
        st.info(t("no_data"))
        return
    tz = reporting_tz()
    shown = as_displayed(df, tz)
    show_frame(shown, height)
    if everything is not None:
        everything = functools.partial(_fetched_as_displayed, everything, tz)
    download_buttons(shown, name, filters, gb18030=gb18030, everything=everything, rows=rows)


def show_frame(shown: pd.DataFrame, height: int | None = None) -> None:
    """A frame (stored column names, values as displayed) on screen in this session's mode: an escaped
    HTML table built here, cut at ``STATIC_ROW_LIMIT`` rows with a caption saying so (unlike the grid it
    draws every row it holds), or Streamlit's data grid when the session turned interactive views on."""
    if interactive():
        kwargs: dict[str, Any] = {"hide_index": True, "column_config": _number_formats(shown)}
        if height and len(shown) > 10:
            kwargs["height"] = height
        # placeholder: an empty cell of any type is blank (Streamlit would draw "None" in it)
        st.dataframe(relabel(_as_shown(shown)), placeholder="", **kwargs)
        return
    formats = {col(name): STATIC_FORMATS[kind] for name in shown.columns if (kind := _number_kind(shown, name))}
    show_table(relabel(_as_shown(shown.head(STATIC_ROW_LIMIT))), formats, max_height=height or 420)
    if len(shown) > STATIC_ROW_LIMIT:
        st.caption(t("static_rows_cut", shown=fmt_number(STATIC_ROW_LIMIT), total=fmt_number(len(shown))))


def as_displayed(df: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The values a table shows and its downloads hold: dates as dates, instants in the reporting time
    zone ``tz`` with the zone named in the header (one rule for the screen and the files)."""
    return in_reporting_tz(_dates_as_dates(df), tz)


def _fetched_as_displayed(fetch: Callable[[], pd.DataFrame], tz: str) -> pd.DataFrame:
    return as_displayed(fetch(), tz)


def zoned_header(name: str, tz: str) -> str:
    """A time column's header naming the zone its values are in, e.g. "Started (Asia/Shanghai)"."""
    return f"{col(name)}（{tz}）" if lang() == "zh" else f"{col(name)} ({tz})"


def in_reporting_tz(df: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Every instant column (naive = UTC, as the warehouse stores them, or zone-aware) as wall-clock
    time in ``tz``, its header naming the zone; date columns (already dates) are left alone. The values
    stay zone-free so spreadsheets read them as the times shown."""
    renamed: dict[str, str] = {}
    out = df
    for name in df.columns:
        series = df[name]
        if not pd.api.types.is_datetime64_any_dtype(series):
            continue
        if out is df:
            out = df.copy()
        aware = series if isinstance(series.dtype, pd.DatetimeTZDtype) else series.dt.tz_localize("UTC")
        out[name] = aware.dt.tz_convert(tz).dt.tz_localize(None)
        renamed[name] = zoned_header(name, tz)
    return out.rename(columns=renamed) if renamed else out


def pager(total: int, page_size: int, key: str, filters: Any = None) -> int:
    """Page number (from 0) for a table paged in SQL, with a "rows a–b of n" caption; 0 when one page.

    Other ``filters`` than on the last run start again at the first page (the old page may not exist).
    """
    pages = max(1, -(-total // page_size))
    page = 0
    if st.session_state.get(f"{key}_filters") != filters:
        st.session_state[f"{key}_filters"] = filters
        st.session_state.pop(key, None)
    if 1 < pages <= PAGE_CHOICES_MAX:
        page = int(st.selectbox(t("table_page"), range(1, pages + 1), key=key, width=160)) - 1
    elif pages > PAGE_CHOICES_MAX:
        page = int(st.number_input(t("table_page"), min_value=1, max_value=pages, value=1, step=1,
                                   key=key, width=160)) - 1
    page = min(page, pages - 1)
    first = page * page_size + 1 if total else 0
    st.caption(t("rows_shown", first=fmt_number(first), last=fmt_number(min(total, (page + 1) * page_size)),
                 total=fmt_number(total)))
    return page


def _number_kind(df: pd.DataFrame, name: str) -> str | None:
    """Shares and rates as percentages, durations with one decimal (display only; downloads keep raw values)."""
    if not pd.api.types.is_numeric_dtype(df[name]) or pd.api.types.is_bool_dtype(df[name]):
        return None
    if name.endswith(("_share", "_rate", "_mom_change")):
        return "percent"
    if name.endswith(("_hours", "_days")):
        return "one_decimal"
    return None


STATIC_FORMATS = {"percent": percent, "one_decimal": one_decimal}
GRID_FORMATS = {"percent": "percent", "one_decimal": "%.1f"}


def _number_formats(df: pd.DataFrame) -> dict[str, Any]:
    return {col(name): st.column_config.NumberColumn(format=GRID_FORMATS[kind]) for name in df.columns
            if (kind := _number_kind(df, name))}


def _as_shown(df: pd.DataFrame) -> pd.DataFrame:
    """Codes in the session's language and missing text as a blank cell, not "None" (display only;
    downloads keep the stored values)."""
    out = df.copy()
    for name in out.columns:
        if name in CODE_COLUMNS and not pd.api.types.is_numeric_dtype(out[name]):
            out[name] = [code(v) for v in out[name].tolist()]
        elif out[name].dtype == object:
            out[name] = out[name].where(out[name].notna(), "")
    return out


def _dates_as_dates(df: pd.DataFrame) -> pd.DataFrame:
    """DuckDB DATE columns arrive as midnight timestamps; show them as dates."""
    out = df
    for name in df.columns:
        series = df[name]
        if pd.api.types.is_datetime64_any_dtype(series) and not isinstance(series.dtype, pd.DatetimeTZDtype):
            values = series.dropna()
            if len(values) and (values == values.dt.normalize()).all() and (
                    name.endswith(("_date", "_on", "month", "_delivery")) or name in {"as_of_date", "month"}):
                if out is df:
                    out = df.copy()
                out[name] = series.dt.date
    return out


@contextmanager
def more_filters(keys: Sequence[str]) -> Iterator[None]:
    """The page's facet filters behind one button whose label counts the filters in use.

    Why a popover: Streamlit draws a popover's content only while it is open, so a page opens without
    building its select boxes (complaints' six were about a third of its first visit's browser CPU,
    0.37-0.39 -> 0.26 CPU-s, scripts/loadtest.py; docs/performance.md). The widgets still run on every
    rerun inside it, so a chosen value holds while the popover is closed. ``keys`` are the widgets'
    keys; their values from the last run give the count before the widgets are drawn."""
    in_use = sum(1 for key in keys if st.session_state.get(key))
    label = t("filters_in_use", n=in_use) if in_use else t("filters")
    with st.popover(label, icon=":material/filter_list:"):
        yield


def month_range(months: Sequence[date], key: str, default_last: int = 6) -> tuple[date, date]:
    if not months:
        st.info(t("no_data"))
        st.stop()
    months = list(months)
    if len(months) == 1:
        return months[0], months[0]
    # Two select boxes, not a range slider: Streamlit's slider makes a page's first visit load and parse
    # its own script and moment.js in the browser (scripts/loadtest.py; docs/performance.md), and the
    # overview has already loaded the select box's. A "from" after the "to" is read as the same range.
    first, last = default_month_range(months, default_last)
    label = fixed(fmt_month)
    c1, c2, _ = st.columns([1, 1, 2])
    lo = c1.selectbox(t("month_from"), months, index=months.index(first), format_func=label, key=f"{key}_from")
    hi = c2.selectbox(t("month_to"), months, index=months.index(last), format_func=label, key=f"{key}_to")
    lo, hi = sorted((lo, hi))
    return lo, hi


def default_month_range(months: Sequence[date], default_last: int = 6) -> tuple[date, date]:
    """The last ``default_last`` months of ``months`` (sorted), as a month range opens; also used by the
    cache warm-up, so a page's first visit asks for exactly the range that was warmed."""
    return months[max(0, len(months) - default_last)], months[-1]


def month_picker(months: Sequence[date], key: str) -> date:
    if not months:
        st.info(t("no_data"))
        st.stop()
    return st.selectbox(t("month"), list(months), index=len(months) - 1, format_func=fixed(fmt_month), key=key)


def previous(months: Sequence[date], month: date) -> date | None:
    earlier = [m for m in months if m < month]
    return earlier[-1] if earlier else None


def flash(message: str, kind: str = "success") -> None:
    """Show a message after the rerun that redraws the page with the change applied."""
    st.session_state["_rw_flash"] = (kind, message)
    st.rerun()


def show_flash() -> None:
    kind, message = st.session_state.pop("_rw_flash", (None, None))
    if message:
        getattr(st, kind)(message)
