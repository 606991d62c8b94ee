"""Report periods: a calendar month ``YYYY-MM`` or an ISO week ``YYYY-Www`` in the reporting time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Period:
    key: str          # '2026-01' or '2026-W05': also the report folder's name
    kind: str         # 'month' | 'week'
    start: date       # first day
    end: date         # last day (inclusive)

    @property
    def month_start(self) -> date:
        """The KPI month the report's figures come from. A week reports the month holding most of its
        days (that of its Thursday, as ISO weeks count), to date."""
        if self.kind == "week":
            return (self.start + timedelta(days=3)).replace(day=1)
        return self.start

    @property
    def previous_month_start(self) -> date:
        return (self.month_start - timedelta(days=1)).replace(day=1)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period(f"{year:04d}-{month:02d}", "month", start, nxt - timedelta(days=1))


def week_period(year: int, week: int) -> Period:
    start = date.fromisocalendar(year, week, 1)
    return Period(f"{year:04d}-W{week:02d}", "week", start, start + timedelta(days=6))


def parse_period(text: str) -> Period:
    """'2026-01' → month; '2026-W05' → ISO week. Raises ValueError naming the expected forms."""
    text = (text or "").strip()
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return month_period(year, month)
    if m := _WEEK.match(text):
        try:
            return week_period(int(m.group(1)), int(m.group(2)))
        except ValueError:
            pass
    raise ValueError(f"period {text!r} is neither a month YYYY-MM nor an ISO week YYYY-Www")


def period_from_partition_key(key: str, kind: str) -> Period:
    """A Dagster time-partition key ('2026-01-01') to the report period it stands for."""
    day = date.fromisoformat(key[:10])
    if kind == "month":
        return month_period(day.year, day.month)
    iso = day.isocalendar()
    return week_period(iso.year, iso.week)
