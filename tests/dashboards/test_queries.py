"""The query module: read-only, allow-listed identifiers, bound values, cache keyed on the file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import fake_warehouse
import pandas as pd
import pytest

from dashboards import queries


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    path = fake_warehouse.build(tmp_path / "w" / "rightswatch.duckdb")
    monkeypatch.setenv("RW_WAREHOUSE", str(path))
    return path


def test_no_sql_is_formatted_from_values():
    source = Path(queries.__file__).read_text(encoding="utf-8")
    formatted = [line for line in source.splitlines() if re.search(r'f"[^"]*(SELECT|WHERE|FROM)', line)]
    assert formatted == [], formatted


def test_connection_is_read_only(warehouse, monkeypatch):
    """Queries go through the one published-file reader, and what it opens refuses every write."""
    opened = []
    real = queries.open_published

    def spy(path):
        con = real(path)
        opened.append(con)
        return con

    monkeypatch.setattr(queries, "open_published", spy)
    queries.clear_cache()
    queries.kpi_months()
    assert len(opened) == 1
    con = real(warehouse)
    with pytest.raises(duckdb.Error, match="read-only|read only"):
        con.execute("create table marts.x (a int)")
    con.close()


def test_values_are_bound_not_interpreted(warehouse):
    lo, hi = queries.complaint_months()[0], queries.complaint_months()[-1]
    assert len(queries.complaints(lo, hi, merchant_ids=["M001' OR '1'='1"])) == 0
    assert len(queries.complaints(lo, hi, merchant_ids=["M001"])) > 0


def test_new_published_file_is_read_at_once(warehouse, tmp_path):
    queries.clear_cache()
    before = queries.enforcement()
    assert len(before) == len(fake_warehouse.MERCHANTS)
    # the pipeline publishes by writing a new file and renaming it over the old one
    new = tmp_path / "new.duckdb"
    fake_warehouse.build(new)
    con = duckdb.connect(str(new))
    con.execute("DELETE FROM marts.rpt_merchant_enforcement WHERE tier = 0")
    con.close()
    os.replace(new, warehouse)
    st = warehouse.stat()
    os.utime(warehouse, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    after = queries.enforcement()
    assert len(after) == len(before) - 2


def test_regulator_floor_is_applied_in_sql(warehouse):
    assert set(queries.enforcement(min_tier=1)["tier"]) == {1, 2}
    assert set(queries.enforcement(min_tier=1, tiers=[0, 1])["tier"]) == {1}


def _everything(lo, hi, **filters):
    return queries.complaints(lo, hi, **filters)


@pytest.mark.parametrize("filters", [{}, {"channels": ["hotline"]}, {"merchant_ids": ["M001"]}])
def test_complaint_figures_and_pages_are_computed_in_sql_over_every_filtered_row(warehouse, filters):
    lo, hi = queries.complaint_months()[0], queries.complaint_months()[-1]
    every = _everything(lo, hi, **filters)
    where = queries.ComplaintFilter(lo, hi, **{k: tuple(v) for k, v in filters.items()})
    summary = queries.complaints_summary(where)
    responded = every["first_response_hours"].dropna()
    # only the figures the page shows: the within-limit share is the published KPI, not recomputed
    assert set(summary) == {"complaints", "responded", "median_first_response_hours"}
    assert summary["complaints"] == len(every) > 0
    assert summary["responded"] == len(responded)
    assert summary["median_first_response_hours"] == pytest.approx(responded.median())
    # pages: disjoint, in order, together exactly the filtered rows
    pages = [queries.complaints_page(where, n, 3) for n in range(-(-len(every) // 3))]
    assert all(len(p) <= 3 for p in pages)
    assert pd.concat(pages)["complaint_id"].tolist() == every["complaint_id"].tolist()
    assert queries.complaints_page(where, len(pages), 3).empty
    # histogram bins: every responded complaint in exactly one bin, bins contiguous, last bin holds the tail
    bins = queries.complaints_histogram(where)
    assert bins["complaints"].sum() == len(responded)
    assert (bins["bin_end"] > bins["bin_start"]).all() and len(bins) <= 40
    cap = responded.quantile(0.99) if len(responded) > 20 else responded.max()
    assert bins["bin_end"].max() == pytest.approx(cap if cap > 0 else 40)


@pytest.mark.parametrize("scope", ["__platform__", "__all__", "M002"])
def test_breach_grid_from_the_mart_agrees_with_the_kpi_rows(warehouse, scope):
    """The overview's grid comes from rpt_dash_kpi_breach_grid; it must say what the KPI rows say."""
    months = queries.kpi_months()
    rows = queries.kpi_rows(months[0], months[-1], scope)
    grid = queries.kpi_breach_grid(months[0], months[-1], scope).set_index(["month", "kpi_code"])
    assert len(grid) == rows.groupby(["month", "kpi_code"]).ngroups > 0
    for (month, code), cell in rows.groupby(["month", "kpi_code"]):
        assessed, breached = int(cell["breached"].notna().sum()), int(cell["breached"].fillna(False).sum())
        got = grid.loc[(month, code)]
        assert (got["assessed"], got["breached"]) == (assessed, breached)
        assert got["state"] == ("monitor" if assessed == 0 else "breached" if breached else "met")
