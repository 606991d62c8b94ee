"""Progress of a long step: rows per second and time left, live on a terminal, one line in a log.

A 10-million-line file takes minutes to load; on a terminal the user sees it move
(``orders orders_20261031.csv: 4,200,000 / 10,000,000 rows, 310,000 rows/s, ~19 s left``, rewritten
in place at most twice a second). When output goes to a file or a pipe (CI, cron, Dagster's log) a
live line would only fill the log with carriage returns, so nothing is written until the step ends
and its caller prints one line with the figures from ``timing_text()``.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

LIVE_EVERY_S = 0.5


def live_output() -> TextIO | None:
    """Where to draw live progress: stdout when the CLI asked for progress (RW_PROGRESS=1) and it is a terminal."""
    if os.environ.get("RW_PROGRESS") == "1" and sys.stdout.isatty():
        return sys.stdout
    return None


def rate_text(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"


def timing_text(rows: int, seconds: float) -> str:
    """A step's closing figures, e.g. ``in 0.04 s (44 rows/s)``. Seconds to the hundredth, because a small file
    ingests in well under 0.05 s on a quiet machine and a tenth printed it as "0.0 s" beside a real
    rate (``make bench`` sums these seconds per source and format)."""
    return f"in {seconds:.2f} s ({rate_text(rows, seconds)})"


class RateMeter:
    """Counts rows of one step; draws a live line on ``out`` (a terminal) if given."""

    def __init__(self, label: str, total: int | None = None, out: TextIO | None = None,
                 clock=time.monotonic):
        self.label = label
        self.total = total
        self.out = out
        self.rows = 0
        self._clock = clock
        self._started = clock()
        self._drawn_at = self._started
        self._width = 0

    @property
    def seconds(self) -> float:
        return self._clock() - self._started

    def advance(self, rows: int) -> None:
        self.rows += rows
        if self.out is not None and self._clock() - self._drawn_at >= LIVE_EVERY_S:
            self._draw(self.live_text())

    def live_text(self) -> str:
        seconds = self.seconds
        done = f"{self.rows:,}" + (f" / {self.total:,}" if self.total else "") + " rows"
        text = f"{self.label}: {done}, {rate_text(self.rows, seconds)}"
        if self.total and self.rows and seconds > 0 and self.total > self.rows:
            text += f", ~{(self.total - self.rows) * seconds / self.rows:,.0f} s left"
        return text

    def _draw(self, text: str) -> None:
        self._drawn_at = self._clock()
        self.out.write("\r" + text.ljust(self._width))
        self.out.flush()
        self._width = len(text)

    def close(self) -> None:
        """Erase the live line (the caller then prints the step's one line)."""
        if self.out is not None and self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self.out.flush()
            self._width = 0

    def summary(self) -> str:
        return timing_text(self.rows, self.seconds)
