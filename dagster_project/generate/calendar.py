"""The fixed delivery calendar every generated data set follows.

Results must be reproducible, so the calendar does not depend on today's date: order history runs
from 2026-04-01 to 2026-10-31 (Asia/Shanghai local days). The platform first sends a backfill
delivery dated 2026-10-25 that holds every record as it stood at the end of 2026-10-24, then one
delivery per day from 2026-10-26 to 2026-10-31. A daily delivery holds each record that was created
or changed since the previous delivery's coverage ended, in its state at the end of the delivery day
(so the 2026-10-26 delivery also carries the changes of 2026-10-25, the day the backfill was cut).

All times inside the generator are naive datetimes in Asia/Shanghai local time (UTC+8, no daylight
saving), which is what a timestamp without an offset means in the landing contract.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dagster_project.contract import load_contract

HISTORY_START = date(2026, 4, 1)
HISTORY_END = date(2026, 10, 31)
BACKFILL_DATE = date(2026, 10, 25)
BACKFILL_COVERS_TO = date(2026, 10, 24)
DAILY_DATES = tuple(date(2026, 10, d) for d in range(26, 32))
DELIVERY_DATES = (BACKFILL_DATE, *DAILY_DATES)
LAST_DELIVERY = DAILY_DATES[-1]
#: End of the last delivery day: the default KPI cut-off, and the "as of" of the truth files.
CUTOFF = datetime.combine(LAST_DELIVERY, time(23, 59, 59))
#: The offset of the contract's default time zone (the generator writes local times in it and
#: assumes, as for Asia/Shanghai, an offset without daylight saving over the history).
UTC_OFFSET = ZoneInfo(load_contract().default_timezone).utcoffset(datetime.combine(HISTORY_START, time(0)))

#: First instant after the backfill's coverage.
BACKFILL_END = datetime.combine(BACKFILL_COVERS_TO + timedelta(days=1), time(0, 0))

# Last local day covered by each delivery, in delivery order (index = window number).
_WINDOW_ENDS = (BACKFILL_COVERS_TO, *DAILY_DATES)


def history_days() -> list[date]:
    """Every local day with orders, in order."""
    n = (HISTORY_END - HISTORY_START).days + 1
    return [HISTORY_START + timedelta(days=i) for i in range(n)]


def window_index(ts: datetime) -> int | None:
    """Which delivery (index into DELIVERY_DATES) first carries a change made at local time ``ts``.

    None when the change happens after the last delivery's coverage (it has not happened yet as far
    as the landing data is concerned).
    """
    if ts < BACKFILL_END:
        return 0
    d = ts.date()
    if d > HISTORY_END:
        return None
    if d <= DAILY_DATES[0]:
        return 1
    return 1 + (d - DAILY_DATES[0]).days


def window_bounds(index: int) -> tuple[datetime | None, datetime]:
    """(exclusive start, inclusive end) of a delivery window in local time; the backfill has no start."""
    end = datetime.combine(_WINDOW_ENDS[index], time(23, 59, 59))
    start = None if index == 0 else datetime.combine(_WINDOW_ENDS[index - 1], time(23, 59, 59))
    return start, end


def day_start(d: date) -> datetime:
    return datetime.combine(d, time(0, 0))


def fmt_local(ts: datetime) -> str:
    """ISO 8601 without offset: local Asia/Shanghai time, the contract's default."""
    return ts.isoformat(timespec="seconds")


def fmt_offset(ts: datetime) -> str:
    """ISO 8601 with the explicit +08:00 offset (same instant as :func:`fmt_local`)."""
    return ts.isoformat(timespec="seconds") + "+08:00"


def fmt_utc(ts: datetime) -> str:
    """ISO 8601 in UTC with ``Z`` (same instant, eight hours earlier on the clock)."""
    return (ts - UTC_OFFSET).isoformat(timespec="seconds") + "Z"


def day_weights(days: list[date]) -> list[float]:
    """Relative order volume per day: slow growth, busier weekends, the 双11 pre-sale from 10-20."""
    n = len(days)
    weights = []
    for i, d in enumerate(days):
        w = 1.0 + 0.3 * i / max(n - 1, 1)
        if d.weekday() >= 5:
            w *= 1.15
        if d >= date(2026, 10, 20):
            w *= 1.25
        weights.append(w)
    return weights


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to ``total``."""
    s = sum(weights)
    out, acc, given = [], 0.0, 0
    for w in weights:
        acc += total * w / s
        k = int(round(acc)) - given
        out.append(k)
        given += k
    return out
