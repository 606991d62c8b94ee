"""Personal-information requests (PIPL Arts. 44-47): the fifth source of the sample.

Requests arrive over the whole history from consumers who also place orders, and are answered after a
few days. Planted on purpose, so the request KPIs have something to find: requests answered late
(after the 15-day limit), deletion requests left open past the limit, requests still open inside it
(pending at the cut-off), and rejections whose reason quotes the consumer's identity number, mobile
number or e-mail (hidden personal data the warehouse must tokenise). The generator computes the
expected monthly KPIs itself, from the records, independently of dbt (``_truth/privacy_kpis.csv``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from .calendar import CUTOFF, history_days
from .merchants import mobile_number

REQUEST_LIMIT_DAYS = 15
TYPES = ("access", "correction", "deletion", "withdraw_consent", "portability")
_TYPE_W = (0.35, 0.15, 0.25, 0.15, 0.10)
CHANNELS = ("in_app", "hotline", "email", "regulator_transfer")
_CHANNEL_W = (0.6, 0.2, 0.15, 0.05)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def identity_number(rng: random.Random) -> str:
    """A resident identity number with a correct GB 11643 check character (fictitious person)."""
    body = f"{rng.choice(('110105', '330106', '440305', '510107'))}19{rng.randrange(50, 99)}" \
           f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(0, 1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


class PrivacyRequest:
    """One request and its (future) events, local times: received, then maybe in progress and answered."""

    __slots__ = ("request_id", "consumer_id", "request_type", "channel", "received", "started", "answered",
                 "final_status", "rejection_reason", "planted")

    def __init__(self, request_id, consumer_id, request_type, channel, received, started, answered,
                 final_status, rejection_reason=None, planted=""):
        self.request_id, self.consumer_id, self.request_type, self.channel = request_id, consumer_id, request_type, channel
        self.received, self.started, self.answered = received, started, answered
        self.final_status, self.rejection_reason, self.planted = final_status, rejection_reason, planted

    def event_times(self) -> list[datetime]:
        return [t for t in (self.received, self.started, self.answered) if t is not None]

    def row(self, i: int) -> dict:
        at = self.event_times()[i]
        answered = self.answered is not None and self.answered <= at
        status = self.final_status if answered else ("in_progress" if self.started and self.started <= at else "open")
        return {
            "request_id": self.request_id, "consumer_id": self.consumer_id, "request_type": self.request_type,
            "channel": self.channel, "received_at": self.received,
            "completed_at": self.answered if answered else None, "status": status,
            "rejection_reason": self.rejection_reason if answered else None, "updated_at": at,
        }

    def as_of(self, cutoff: datetime) -> dict:
        """The version visible at the cut-off (the last event on or before it)."""
        times = [t for t in self.event_times() if t <= cutoff]
        return self.row(len(times) - 1)


def make_requests(seed: int, consumer_pool: int) -> tuple[list[PrivacyRequest], list[str]]:
    """Requests over the history, plus the hidden personal values planted in rejection reasons."""
    rng = random.Random(f"privacy:{seed}")
    out: list[PrivacyRequest] = []
    planted_values: list[str] = []
    n = 0
    for day in history_days():
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            n += 1
            received = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(8 * 3600, 22 * 3600))
            consumer = rng.randrange(1, consumer_pool)
            rtype = rng.choices(TYPES, _TYPE_W)[0]
            roll = rng.random()
            started = received + timedelta(hours=rng.uniform(2, 30))
            planted = ""
            if roll < 0.08:  # answered late
                answered = received + timedelta(days=rng.uniform(REQUEST_LIMIT_DAYS + 0.5, 28))
                planted = "late"
            elif roll < 0.12 and rtype == "deletion":  # left open past the limit
                answered, planted = None, "overdue_open"
            else:
                answered = received + timedelta(days=rng.uniform(0.2, REQUEST_LIMIT_DAYS - 1))
            if answered is not None and answered <= started:
                started = None
            status, reason = "completed", None
            if answered is not None and rng.random() < 0.1:
                status = "rejected"
                if rng.random() < 0.5:
                    id_no, mobile = identity_number(rng), mobile_number(consumer)
                    spaced = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
                    reason = f"身份核验未通过：申请人提供的身份证号{id_no}与账户不符，已致电 {spaced} 告知。"
                    planted_values += [id_no, mobile, spaced]
                else:
                    reason = "无法核实申请人身份 / identity could not be verified"
            out.append(PrivacyRequest(f"PR{day:%Y%m%d}{n:05d}", f"U{consumer:09d}", rtype,
                                      rng.choices(CHANNELS, _CHANNEL_W)[0], received, started, answered,
                                      status, reason, planted))
    return out, planted_values


def expected_kpis(requests: list[PrivacyRequest], cutoff: datetime = CUTOFF,
                  limit_days: int = REQUEST_LIMIT_DAYS) -> list[tuple]:
    """(month, kpi_code, numerator, denominator, pending) per local month of received_at, computed
    from the records as the KPI dictionary defines them, as of ``cutoff``."""
    limit = timedelta(days=limit_days)
    acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in requests:
        if r.received > cutoff:
            continue
        v = r.as_of(cutoff)
        month = r.received.strftime("%Y-%m-01")
        a = acc[month]
        a["count"] += 1
        answered = v["status"] in ("completed", "rejected") and v["completed_at"] is not None
        on_time = answered and v["completed_at"] - r.received <= limit
        pending = not answered and cutoff - r.received <= limit
        a["on_time"] += on_time
        a["pending"] += pending
        a["den"] += not pending
        if r.request_type == "deletion":
            late = (answered and v["completed_at"] - r.received > limit) or (not answered and not pending)
            a["del_overdue"] += late
            a["del_pending"] += pending
    rows = []
    for month in sorted(acc):
        a = acc[month]
        rows.append((month, "privacy_request_count", a["count"], "", 0))
        rows.append((month, "privacy_request_on_time_rate", a["on_time"], a["den"], a["pending"]))
        rows.append((month, "privacy_deletion_overdue_count", a["del_overdue"], "", a["del_pending"]))
    return rows


def completed_deletions(requests: list[PrivacyRequest], cutoff: datetime = CUTOFF) -> list[tuple[str, str]]:
    """(request_id, clear consumer_id) of deletion requests completed by the cut-off: the warehouse must
    erase these consumers' links."""
    out = []
    for r in requests:
        if r.request_type == "deletion" and r.received <= cutoff and r.as_of(cutoff)["status"] == "completed":
            out.append((r.request_id, r.consumer_id))
    return out
