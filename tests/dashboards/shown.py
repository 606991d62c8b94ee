"""What a page shows, read back from an AppTest run: its tables and its charts.

By default the pages send tables as escaped HTML and charts as server-drawn SVG images
(``dashboards.static_view``); with the sidebar's "interactive tables and charts" on, Streamlit's data grid
and Vega-Lite charts. These helpers read either, so the page tests check the values people see.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import pandas as pd

from dashboards.static_view import CHART_CLASS, TABLE_CLASS


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell)
            (self.header if tag == "th" else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_table(markup: str) -> pd.DataFrame:
    """An HTML table as a frame of its cell texts; a column whose every filled cell is a number becomes
    numeric (blank cells missing), as a reader would take it."""
    parser = _TableParser()
    parser.feed(markup)
    frame = pd.DataFrame(parser.rows, columns=parser.header, dtype=object)
    for name in frame.columns:
        filled = frame[name][frame[name] != ""]
        numbers = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numbers.notna().all():
            frame[name] = pd.to_numeric(frame[name].replace("", None), errors="coerce")
    return frame


def _html_bodies(at) -> list[str]:
    return [el.proto.body for el in at.get("html")]


def tables(at) -> list[pd.DataFrame]:
    """Every table on the page, in order: HTML tables, or the data grids in interactive mode."""
    if at.dataframe:
        return [d.value for d in at.dataframe]
    return [parse_table(body) for body in _html_bodies(at) if f'class="{TABLE_CLASS}"' in body]


def chart_svgs(at) -> list[str]:
    """Every server-drawn chart on the page, as its SVG text."""
    found = []
    for body in _html_bodies(at):
        if f'class="{CHART_CLASS}"' in body:
            data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body).group(1)
            found.append(base64.b64decode(data).decode())
    return found


def charts(at) -> list[str]:
    """Every chart on the page as text: its SVG, or its Vega-Lite spec in interactive mode."""
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("vega_lite_chart")]
    return specs + chart_svgs(at)
