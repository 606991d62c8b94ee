"""Downloads of the tables a page shows: CSV (UTF-8 with BOM, optionally GB18030) and XLSX.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some treat a
leading tab or carriage return the same way) as a formula, so a complaint description such as
``=HYPERLINK("http://evil","click")`` would become a live link. Every text cell that starts with one
of these characters is prefixed with ``'`` so it stays text (OWASP "CSV injection"). Numbers stay
numbers. In XLSX every string is also written with ``write_string``, never as a formula.

Each download is written to the audit log (who, when, which table, which filters, how many rows)
at the moment its file is generated, which happens only when a signed-in session clicks the button.
The same moment grants that session's browser one fetch of that file (``dashboards.serve_guard``):
the ``/media/<id>`` URL is useless to anyone else and used up after one fetch.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.memory_media_file_storage import _calculate_file_id

from dagster_project.reports.cell_safety import neutralise_cell
from dashboards.serve_guard import BROWSER_COOKIE, grant


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell (and header) that a spreadsheet would run is made text."""
    out = df.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for name in out.columns:
        series = out[name]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[name] = series.map(neutralise_cell).astype(object)
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Timezone-free, spreadsheet-friendly values (XLSX has no time zones)."""
    out = df.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def to_csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """CSV of the neutralised frame; utf-8-sig writes the BOM Excel needs to read UTF-8 Chinese."""
    # RFC 4180 line ends: with "\r\n" as terminator a field holding a bare CR is quoted, not split.
    return neutralise(df).to_csv(index=False, lineterminator="\r\n").encode(encoding, errors="strict")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    frame = neutralise(_plain(df))
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False}}) as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()


def _browser() -> str | None:
    """This session's browser token (set by ServeGuard; absent when the app runs without it)."""
    try:
        return st.context.cookies.get(BROWSER_COOKIE)
    except Exception:  # no request context (AppTest, raw mode)
        return None


def granted_file(build: Callable[[], bytes], *, file_name: str, mimetype: str, target: str,
                 detail: Mapping[str, Any]) -> Callable[[], bytes]:
    """A deferred ``data`` callable for ``st.download_button``: builds the file on click, audits it as
    the signed-in user, and grants this session's browser the fetch of exactly that file for a minute.

    The user and browser are captured now, in the script run, because Streamlit runs the callable
    later on a worker thread that has no session state.
    """
    from dashboards.auth import audit, current_user

    user = current_user()
    actor = user.name if user else "anonymous"
    browser = _browser()

    def build_once() -> bytes:
        data = build()
        grant(browser, _calculate_file_id(data, mimetype, file_name))
        audit("download", target, _jsonable(detail), actor=actor)
        return data

    return build_once


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def file_rows(df: pd.DataFrame, everything: Callable[[], pd.DataFrame] | None = None) -> Callable[[], pd.DataFrame]:
    """The rows a download holds, headers in this run's language: ``df`` as shown, or for a table
    paged in SQL every filtered row, fetched by ``everything`` only when a file is built (on the click,
    outside the page's run, hence the language is fixed now)."""
    from dashboards.i18n import fixed, relabel

    if everything is None:
        shown = relabel(df)
        return lambda: shown
    return functools.partial(fixed(lambda fetch: relabel(fetch())), everything)


def download_buttons(df: pd.DataFrame, table: str, filters: Mapping[str, Any] | None = None,
                     gb18030: bool = False, everything: Callable[[], pd.DataFrame] | None = None,
                     rows: int | None = None) -> None:
    """CSV (UTF-8 BOM), optionally CSV (GB18030), and XLSX buttons for exactly the rows shown.

    The files are built only when a button is clicked (deferred ``data`` callables), so a page with
    many tables stays fast. A table paged in SQL passes ``everything`` (all ``rows`` filtered rows),
    so the file holds every filtered row, not just the page on screen.
    """
    from dashboards.i18n import t

    frame = file_rows(df, everything)
    rows = len(df) if rows is None else rows
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    base = f"rightswatch_{table}_{stamp}"
    csv, xlsx = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    variants = [("csv", "download_csv", f"{base}.csv", csv, "csv-utf8", lambda: to_csv_bytes(frame()))]
    if gb18030:
        variants.append(("gb", "download_csv_gb", f"{base}_gb18030.csv", csv, "csv-gb18030",
                         lambda: to_csv_bytes(frame(), "gb18030")))
    variants.append(("xlsx", "download_xlsx", f"{base}.xlsx", xlsx, "xlsx", lambda: to_xlsx_bytes(frame())))
    for col, (key, label, file_name, mimetype, fmt, build) in zip(st.columns(len(variants)), variants,
                                                                  strict=True):
        data = granted_file(build, file_name=file_name, mimetype=mimetype, target=table,
                            detail={"format": fmt, "rows": rows, "filters": filters or {}})
        col.download_button(t(label), data, file_name, mimetype, key=f"dl_{key}_{table}", on_click="ignore")
