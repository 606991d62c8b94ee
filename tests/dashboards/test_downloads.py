"""Downloads: formula injection neutralised in CSV and XLSX, BOM and GB18030 encodings."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboards.downloads import neutralise, neutralise_cell, to_csv_bytes, to_xlsx_bytes

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
           '<script>alert("x")</script>']


@pytest.mark.parametrize("value", HOSTILE[:6])
def test_formula_starts_are_prefixed(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "商品有问题", "", "1=1", '<script>alert("x")</script>', 5, 1.5, None])
def test_other_values_unchanged(value):
    assert neutralise_cell(value) == value


def test_numbers_stay_numbers_and_header_is_neutralised():
    df = pd.DataFrame({"=bad": ["=1"], "n": [-3]})
    out = neutralise(df)
    assert list(out.columns) == ["'=bad", "n"]
    assert out.iloc[0, 0] == "'=1" and out.iloc[0, 1] == -3


def test_csv_has_bom_and_neutralised_cells():
    df = pd.DataFrame({"描述": HOSTILE, "n": range(len(HOSTILE))})
    data = to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert back["描述"].tolist()[:6] == ["'" + v for v in HOSTILE[:6]]
    assert back["描述"].tolist()[6] == HOSTILE[6]


def test_csv_gb18030():
    df = pd.DataFrame({"商家": ["诚信数码专营店"]})
    data = to_csv_bytes(df, "gb18030")
    assert "诚信数码专营店".encode("gb18030") in data
    assert not data.startswith(b"\xef\xbb\xbf")


def test_xlsx_cells_are_text_not_formulas():
    df = pd.DataFrame({"description": HOSTILE, "amount": [1.5] * len(HOSTILE),
                       "at": pd.to_datetime(["2026-01-01"] * len(HOSTILE))})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    sheet = book.active
    values = [sheet.cell(row=i + 2, column=1) for i in range(len(HOSTILE))]
    assert all(c.data_type == "s" for c in values)
    assert values[0].value == "'" + HOSTILE[0]
    assert sheet.cell(row=2, column=2).value == 1.5


def test_a_paged_table_downloads_every_filtered_row_fetched_only_on_click():
    """The page shows one SQL page; the file holds all rows, and nothing is fetched until the click."""
    from dashboards import downloads

    calls = []
    every = pd.DataFrame({"complaint_id": [f"C{i}" for i in range(250)], "description": ["=1+1"] * 250})

    def fetch():
        calls.append(1)
        return every

    rows = downloads.file_rows(every.head(50), fetch)
    assert calls == []
    frame = pd.read_csv(io.BytesIO(downloads.to_csv_bytes(rows())), encoding="utf-8-sig")
    assert calls == [1]
    assert frame.iloc[:, 0].tolist() == every["complaint_id"].tolist()
    assert set(frame.iloc[:, 1]) == {"'=1+1"}  # still neutralised
    # without `everything` the file is the rows shown
    assert len(downloads.file_rows(every.head(50))()) == 50
