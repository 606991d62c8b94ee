"""Dashboard query times for `make bench`: p50/p95 per page against one published warehouse.

A page's time here is the time of the queries it sends through ``dashboards.queries`` (the pages' one,
read-only, bound-parameter query module), called exactly as the page calls them with its default
filters, **every tab opened** (the tabs are lazy in the browser, so this is the most a visit can ask
of the warehouse). The shared query cache is emptied before every repetition, so each one reads the
published file; what the browser and Streamlit add on top is measured by ``make loadtest``.

Run as a child of the bench, so the warehouse is chosen by ``RW_WAREHOUSE`` as when serving::

    RW_WAREHOUSE=FILE python -m dagster_project.cli.bench_dashboards --repeat 20

It prints one JSON object: ``{"pages": {page: [seconds per repetition, ...]}, "cpu": {page: [...]}}``,
wall seconds and CPU-seconds of this process (DuckDB's threads included) per repetition: on a
shared machine the CPU figure says what the queries cost, the wall figure what a visitor waited.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from datetime import date

PAGES = ("overview", "merchants", "complaints", "data_quality")


def _overview() -> None:
    from dashboards import queries, warmup
    from dashboards.ui import default_month_range

    warmup.overview_default()
    months = queries.kpi_months()
    queries.rights_monthly()  # tab: per right
    queries.merchants()  # tab: every KPI
    if months:
        lo, hi = default_month_range(months)
        queries.kpi_rows(lo, hi, "__platform__", "")
        queries.kpi_breach_grid(lo, hi, "__platform__", "")


def _merchants() -> None:
    from dashboards import queries, warmup

    listed = warmup.merchants_default(0)  # a manager's list: every tier
    if listed.empty:
        return
    # The page opens on the list; a drill-down is built once a merchant is picked: the first listed,
    # every tab of it, is what a visit that goes on to look at one merchant asks for.
    merchant_id = str(listed["merchant_id"].iloc[0])
    queries.evidence(merchant_id)
    queries.kpi_rows(date(1900, 1, 1), date(2999, 12, 1), merchant_id)
    queries.kpi_definitions()
    queries.evidence_complaints(merchant_id)
    queries.evidence_refunds(merchant_id)
    queries.evidence_orders(merchant_id)


def _complaints() -> None:
    from dashboards import warmup

    warmup.complaints_default()


def _data_quality() -> None:
    from dashboards import queries, warmup

    warmup.data_quality_default()
    for call in (queries.freshness, queries.quarantine_reasons, queries.row_flags, queries.gx_results,
                 queries.delivery_overrides):  # its tabs
        call()


VISITS: dict[str, Callable[[], None]] = {"overview": _overview, "merchants": _merchants,
                                         "complaints": _complaints, "data_quality": _data_quality}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: p95 of 32 values is the 31st smallest), for the bench
    and the load test alike. The rank is computed as ceil(n * p / 100) in whole numbers, so no float
    rounding (0.07 * 100 = 7.000000000000001) moves it up one."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def time_pages(repeat: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(wall seconds, CPU-seconds) per repetition and page, the query cache emptied before each."""
    from dashboards import queries

    # Outside a served app Streamlit warns once per cached call that there is no runtime: not news here.
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for page in PAGES:
        visit = VISITS[page]
        times[page], cpu[page] = [], []
        for _ in range(repeat):
            queries.clear_cache()
            started, cpu_started = time.perf_counter(), time.process_time()
            visit()
            times[page].append(time.perf_counter() - started)
            cpu[page].append(time.process_time() - cpu_started)
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20, help="repetitions per page (default 20)")
    args = parser.parse_args(argv)
    times, cpu = time_pages(max(1, args.repeat))
    print(json.dumps({"pages": times, "cpu": cpu}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
