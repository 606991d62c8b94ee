"""Validate each delivery on a worker thread as soon as it is loaded, while the next ones load.

Why a thread: GX spends its time in Python (pandas and its own bookkeeping, about 0.14 s per small
delivery), ingestion in DuckDB and Arrow, which release the GIL. Run one after the other, a 1 M build
spent 12 s in GX between its loading steps; side by side, GX's import and the orders backfill's
validation overlap the loading of the files after it (GX done 2-4 s sooner at 1 M, 52 s at 10 M:
docs/performance.md, fifteenth session).

One worker, fed in delivery order, on its own DuckDB connection to the same database (a DuckDB
connection is not shared between threads). It only reads committed rows of finished deliveries and
writes ``meta.gx_results``, which ingestion does not touch. Deliveries are validated exactly as
``validate_source`` would (it is what runs): a delivery when ``pending_deliveries`` lists it, and after a
source is loaded whatever is still pending (a delivery loaded by an earlier, interrupted run) is validated
too. Dagster's log is only written from the caller's thread: ``outcomes`` hands back the results.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb

from dagster_project.validation.outcome import SuiteOutcome
from dagster_project.validation.run import validate_source
from dagster_project.validation.store import pending_deliveries
from dagster_project.validation.suites import load_suite


class BackgroundValidation:
    """``delivery_loaded``/``source_loaded`` queue work; ``outcomes`` waits for a source's and returns it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str):
        self._con = con.cursor()  # a connection of its own to the same database, for the worker thread
        self._con.execute("SET enable_progress_bar = false")
        self._run_id = run_id
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-validation")
        self._work: dict[str, list[Future]] = defaultdict(list)

    def delivery_loaded(self, source: str, day: dt.date) -> None:
        """Validate this delivery of ``source`` (if its loaded rows still need it) after what is queued."""
        self._work[source].append(self._pool.submit(self._validate, source, day))

    def source_loaded(self, source: str) -> None:
        """Validate whatever delivery of ``source`` is still pending once the queued ones are done."""
        self._work[source].append(self._pool.submit(self._validate, source, None))

    def outcomes(self, source: str) -> tuple[list[SuiteOutcome], float]:
        """Every outcome of ``source`` in delivery order, and the seconds the worker spent on them.

        Re-raises the worker's exception, if it had one."""
        done = [future.result() for future in self._work.pop(source, [])]
        outcomes = sorted((o for batch, _ in done for o in batch), key=lambda o: o.delivery_date)
        return outcomes, sum(seconds for _, seconds in done)

    def _validate(self, source: str, day: dt.date | None) -> tuple[list[SuiteOutcome], float]:
        """``validate_source`` on the worker's connection: every pending delivery, or only ``day`` if pending."""
        started = time.monotonic()
        days = None if day is None else pending_deliveries(self._con, source, load_suite(source)["name"], day)
        return validate_source(self._con, source, self._run_id, days), time.monotonic() - started

    def close(self, interrupt: bool = False) -> None:
        """Drop work not started, wait for the running job, close the worker's connection.

        ``interrupt`` (the step failed or was stopped) also cancels the worker's running DuckDB query. A
        stopped step still waits for the delivery being validated: seconds, about a minute for the 10 M
        backfill."""
        if interrupt:
            self._con.interrupt()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._con.close()

    def __enter__(self) -> BackgroundValidation:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.close(interrupt=exc_type is not None)
