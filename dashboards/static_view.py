"""Tables and charts sent to the browser as finished HTML and SVG, not as data for it to lay out.

Measured with ``scripts/loadtest.py`` (eight managers on two cores, browsers at low priority): the
pages' time under load is the browsers' CPU, not the server's, and a user's first meeting with
Streamlit's data grid (its code and the Arrow formatting behind it) and with Vega-Embed costs each
browser about 0.3 CPU-seconds apiece, every time a new person signs in. A table built here is a plain
``<table>`` and a chart an SVG that the server renders once (``vl-convert``, the Vega project's own
renderer, from the same Vega-Lite spec) and shares with every session; the browser only inserts it.

What is given up: sorting and resizing a table's columns, and the charts' hover cards. A reader who
wants them turns on "interactive tables and charts" in the sidebar (:func:`interactive` reads it);
the downloads hold the same rows either way.

Every value is escaped here (``html.escape``), and Streamlit sanitises ``st.html`` again in the
browser (DOMPurify), so text from the data (complaint descriptions, merchant names) stays text. A
chart reaches the page as an image, and a browser runs no script and follows no link in an SVG image.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import json
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.queries import CACHE_TTL_SECONDS

CHART_WIDTH = 720  # px in the SVG's own coordinates; the SVG then scales to the column's width
TABLE_CLASS = "rw-table"
CHART_CLASS = "rw-chart"

_STYLE = (
    f"<style>.{TABLE_CLASS}{{overflow:auto;border:1px solid rgba(49,51,63,.15);border-radius:.5rem}}"
    f".{TABLE_CLASS} table{{border-collapse:collapse;width:max-content;min-width:100%;font-size:.85rem}}"
    f".{TABLE_CLASS} th{{position:sticky;top:0;background:#f7f8fa;text-align:left;font-weight:600}}"
    f".{TABLE_CLASS} th,.{TABLE_CLASS} td{{padding:.25rem .6rem;border-bottom:1px solid rgba(49,51,63,.08);"
    f"white-space:nowrap;max-width:32rem;overflow:hidden;text-overflow:ellipsis}}"
    f".{TABLE_CLASS} td.n{{text-align:right;font-variant-numeric:tabular-nums}}</style>"
)


INTERACTIVE_KEY = "rw_interactive_views"  # the sidebar toggle's session-state key


def interactive() -> bool:
    """Whether this session asked for Streamlit's interactive data grid and Vega-Lite charts."""
    try:
        return bool(st.session_state.get(INTERACTIVE_KEY, False))
    except Exception:  # outside a script run
        return False


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def one_decimal(value: float) -> str:
    return f"{value:.1f}"


def cell_text(value: Any, number_format: Callable[[float], str] | None = None) -> str:
    """A value as the table shows it: blank when missing, dates as ISO dates, instants to the second,
    numbers in ``number_format`` (else integers whole and other numbers to at most four decimals)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, pd.Timestamp | datetime):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if number_format is not None:
            return number_format(value)
        return str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def table_html(df: pd.DataFrame, number_formats: Mapping[str, Callable[[float], str]] | None = None,
               max_height: int | None = None) -> str:
    """``df`` (headers as shown) as an escaped HTML table in a scrolling box, numbers right-aligned."""
    number_formats = number_formats or {}
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    formats = [number_formats.get(c) for c in df.columns]
    body = []
    for row in df.itertuples(index=False, name=None):
        cells = []
        for value, is_number, number_format in zip(row, numeric, formats, strict=True):
            text = html.escape(cell_text(_python(value), number_format))
            cells.append(f'<td class="n">{text}</td>' if is_number else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    box = f' style="max-height:{int(max_height)}px"' if max_height else ""
    return (f'{_STYLE}<div class="{TABLE_CLASS}"{box}><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _python(value: Any) -> Any:
    """numpy scalars as Python values (an int64 is not an ``int``)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, pd.Timestamp) else value


def show_table(df: pd.DataFrame, number_formats: Mapping[str, Callable[[float], str]] | None = None,
               max_height: int | None = None) -> None:
    st.html(table_html(df, number_formats, max_height))


# --- charts ----------------------------------------------------------------------------------------

@functools.cache
def _renderer() -> Any:
    """vl-convert, told where the project's CJK font is: the SVG keeps its text as text (the browser
    draws it in the reader's fonts), but the renderer measures labels to lay the chart out."""
    import vl_convert

    from dagster_project.reports.fonts import FontMissing, cjk_font_path

    # without it: Latin measurements for Chinese labels, a looser layout of the same chart
    with contextlib.suppress(FontMissing):
        vl_convert.register_font_directory(str(cjk_font_path().parent))
    return vl_convert


def chart_svg(spec: Mapping[str, Any]) -> str:
    """The Vega-Lite spec rendered to SVG on the server (text kept as text, drawn by the browser)."""
    spec = dict(spec)
    spec.setdefault("width", CHART_WIDTH)
    return _renderer().vegalite_to_svg(spec)


# cache_resource: the string is immutable, so every session gets the same one (cache_data would
# unpickle a copy on every hit)
@st.cache_resource(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def chart_html(spec_json: str) -> str:
    """The chart as an ``<img>`` of its SVG, scaled to its column; shared by every session (cached on
    the spec, whose data already carry the page's filters and language). An image, because
    ``st.html`` lets no inline SVG through its sanitiser; its ``alt`` is the chart's title."""
    spec = json.loads(spec_json)
    title = spec.get("title")
    title = title.get("text", "") if isinstance(title, dict) else (title or "")
    data = base64.b64encode(chart_svg(spec).encode()).decode("ascii")
    return (f'<img class="{CHART_CLASS}" alt="{html.escape(str(title))}" src="data:image/svg+xml;base64,{data}" '
            'style="width:100%;max-width:1100px;height:auto">')


def show_chart(spec: Mapping[str, Any]) -> None:
    st.html(chart_html(json.dumps(spec, sort_keys=True, ensure_ascii=False)))


def start_renderer() -> None:
    """Start vl-convert's embedded JavaScript engine (0.4–1.2 s measured, once per process), so the first
    visitor to see a chart does not wait for it; the server's warm-up calls this."""
    _renderer().vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 1}]},
                                "encoding": {"x": {"field": "x", "type": "quantitative"}}})
