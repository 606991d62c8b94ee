"""Warm the shared query cache once per published file, so no visitor pays a page's cold visit.

Query results are cached for all sessions per published file (``queries.run``: the key holds the
file's modification time), so the first visit to each page after a server start or a new publication
ran that page's queries (measured: 0.9–1.1 s instead of 0.2–0.5 s for one user, and the first visits
of eight users at once all queued behind them). A daemon thread in the server process runs the
queries the four main pages (overview, merchants, complaints, data quality) send with their default
filters, at start and whenever the published file changes; the pages then open from the cache.

The defaults used here are the pages' own (the constants and ``ui.default_month_range`` they call);
``tests/dashboards/test_warmup.py`` opens each page after a warm-up and fails if any query still runs.
The thread also re-warms when the cache's time to live has passed, so an idle server stays warm.
"""

from __future__ import annotations

import threading
import time

import pandas as pd
from streamlit.logger import get_logger

from dashboards import queries
from dashboards.ui import TABLE_PAGE_SIZE, default_month_range

log = get_logger(__name__)  # Streamlit's handler and --logger.level, beside the server's own lines

POLL_SECONDS = 5.0  # how soon a new publication is noticed (a stat of one file per poll)


def prepare_process() -> None:
    """Pay the server's one-time costs before the first visitor: importing Altair (1.3 s measured on
    this machine), loading the Vega-Lite schema its first chart is validated against (0.2 s) and
    starting the SVG renderer's JavaScript engine (0.4–1.2 s). Without this the first user to sign in
    waits for all three on the landing page's chart."""
    import altair as alt

    from dashboards import charts  # noqa: F401  (the pages' chart module, with its Altair axes)
    from dashboards.static_view import start_renderer

    alt.Chart(pd.DataFrame({"x": [0]})).mark_point().encode(x="x:Q").to_dict()
    start_renderer()


def overview_default() -> None:
    """The queries the overview (landing page) sends on a visit with default filters."""
    for call in (queries.kpi_definitions, queries.kpi_platform, queries.kpi_months):
        call()


def merchants_default(min_tier: int = 0) -> pd.DataFrame:
    """The merchants page's list for one role (``min_tier``: 0 for managers, REGULATOR_MIN_TIER for
    regulators), as the page opens it, returned; a merchant's drill-down is built only once someone
    picks one."""
    queries.enforcement_facets()
    return queries.enforcement(min_tier)


def complaints_default() -> None:
    """The complaints page with its default month range: filter choices, the figures against the
    published limit, the platform's published first-response KPI for the last month, the histogram
    (only with a recorded limit and some responses, as the page draws it) and the first table page."""
    queries.complaint_facets()
    queries.merchants()
    months = queries.complaint_months()
    if not months:
        return
    lo, hi = default_month_range(months, queries.COMPLAINT_DEFAULT_MONTHS)
    where = queries.ComplaintFilter(lo, hi)
    limit_hours = queries.first_response_limit_hours()
    summary = queries.complaints_summary(where)
    queries.kpi_rows(hi, hi, "__platform__", queries.FIRST_RESPONSE_KPI)
    queries.kpi_definitions()
    queries.complaints_page(where, 0, TABLE_PAGE_SIZE)
    if summary["responded"] and limit_hours == limit_hours:  # as the page: no chart without a limit
        queries.complaints_histogram(where)


def data_quality_default() -> None:
    """The data quality page's first screen (runs, reconciliation, blocked deliveries, landing issues);
    its other tabs are built once opened."""
    for call in (queries.pipeline_runs, queries.reconciliation, queries.delivery_blocks, queries.landing_issues):
        call()


def warm_defaults() -> None:
    """Run every query the four main pages send on a visit with default filters, for both roles'
    merchant lists."""
    overview_default()
    complaints_default()
    data_quality_default()
    for min_tier in sorted({0, queries.REGULATOR_MIN_TIER}):
        merchants_default(min_tier)


class Warmer:
    """Keeps the cache warm for the published file: one warm-up per version, and again after the TTL."""

    def __init__(self, poll_seconds: float = POLL_SECONDS, ttl_seconds: float = queries.CACHE_TTL_SECONDS):
        self.poll_seconds = poll_seconds
        self.ttl_seconds = ttl_seconds
        self.warmed_stamp: tuple[str, int] | None = None
        self.warmed_at = 0.0
        self._stop = threading.Event()

    def step(self) -> bool:
        """Warm when the published file is new or the last warm-up has expired; True when it warmed."""
        try:
            stamp = queries.published_stamp()
        except queries.WarehouseMissing:
            return False  # nothing published yet: the pages say so, there is nothing to warm
        if stamp == self.warmed_stamp and time.monotonic() - self.warmed_at < self.ttl_seconds:
            return False
        started = time.perf_counter()
        warm_defaults()
        self.warmed_stamp, self.warmed_at = stamp, time.monotonic()
        log.info("warmed the main pages' default dashboard queries for %s in %.2f s", stamp[0], time.perf_counter() - started)
        return True

    def run_forever(self) -> None:
        try:
            prepare_process()
        except Exception:  # only a head start; the pages import the same modules themselves
            log.exception("preparing the dashboard process failed")
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # a half-replaced or broken file: the pages report it; try again later
                log.exception("dashboard cache warm-up failed; retrying in %.0f s", self.poll_seconds)
            self._stop.wait(self.poll_seconds)

    def stop(self) -> None:
        self._stop.set()


_started: Warmer | None = None
_lock = threading.Lock()


def start_background() -> Warmer:
    """Start the warm-up thread once per process (the served entry point calls this at import)."""
    global _started
    with _lock:
        if _started is None:
            _started = Warmer()
            threading.Thread(target=_started.run_forever, name="rw-cache-warmup", daemon=True).start()
        return _started
