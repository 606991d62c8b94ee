"""Progress of long steps: a live rows/s and time-left line on a terminal, nothing but the final
line elsewhere."""

from __future__ import annotations

import io

from dagster_project.cli import progress_meter
from dagster_project.cli.progress_meter import RateMeter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_sees_rows_per_second_and_time_left_then_a_clean_line():
    clock, out = Clock(), io.StringIO()
    meter = RateMeter("orders o.csv", total=1_000_000, out=out, clock=clock)
    clock.now = 2.0
    meter.advance(250_000)
    assert out.getvalue() == "\rorders o.csv: 250,000 / 1,000,000 rows, 125,000 rows/s, ~6 s left"
    clock.now = 2.1
    meter.advance(10)  # not redrawn more than twice a second
    assert out.getvalue().count("\r") == 1
    clock.now = 8.0
    meter.advance(749_990)
    meter.close()
    assert out.getvalue().endswith("\r")  # the live line is erased for the step's final line
    assert meter.summary() == "in 8.00 s (125,000 rows/s)"


def test_no_terminal_no_live_line(monkeypatch):
    monkeypatch.setenv("RW_PROGRESS", "1")
    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe or a file, not a terminal
    assert progress_meter.live_output() is None
    clock = Clock()
    meter = RateMeter("x", total=10, out=progress_meter.live_output(), clock=clock)
    clock.now = 5.0
    meter.advance(10)
    meter.close()
    assert meter.summary() == "in 5.00 s (2 rows/s)"
