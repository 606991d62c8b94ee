"""Downloads of the tables a page shows: CSV (UTF-8 with BOM, optionally GB18030) and XLSX.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some treat a
leading tab or carriage return the same way) as a formula, so a complaint description such as
``=HYPERLINK("http://evil","click")`` would become a live link. Every text cell that starts with one
of these characters is prefixed with ``'`` so it stays text (OWASP "CSV injection"). Numbers stay
numbers. In XLSX every string is also written with ``write_string``, never as a formula.

Each download is written to the audit log (who, when, which table, which filters, how many rows).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dagster_project.cell_safety import neutralise_cell


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


def _audit_download(table: str, fmt: str, rows: int, filters: Mapping[str, Any] | None) -> None:
    from dashboards.auth import audit

    audit("download", table, {"format": fmt, "rows": rows, "filters": _jsonable(filters or {})})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def download_buttons(df: pd.DataFrame, table: str, filters: Mapping[str, Any] | None = None,
                     gb18030: bool = False) -> None:
    """CSV (UTF-8 BOM), optionally CSV (GB18030), and XLSX buttons for exactly the rows shown.

    The files are built only when a button is clicked (deferred ``data`` callables), so a page with
    many tables stays fast.
    """
    from dashboards.i18n import relabel, t

    shown = relabel(df)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    base = f"rightswatch_{table}_{stamp}"
    cols = st.columns(3 if gb18030 else 2)
    cols[0].download_button(t("download_csv"), functools.partial(to_csv_bytes, shown), f"{base}.csv", "text/csv",
                            key=f"dl_csv_{table}", on_click=_audit_download,
                            args=(table, "csv-utf8", len(df), filters))
    i = 1
    if gb18030:
        cols[1].download_button(t("download_csv_gb"), functools.partial(to_csv_bytes, shown, "gb18030"), f"{base}_gb18030.csv",
                                "text/csv", key=f"dl_gb_{table}", on_click=_audit_download,
                                args=(table, "csv-gb18030", len(df), filters))
        i = 2
    cols[i].download_button(t("download_xlsx"), functools.partial(to_xlsx_bytes, shown), f"{base}.xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key=f"dl_xlsx_{table}", on_click=_audit_download,
                            args=(table, "xlsx", len(df), filters))
