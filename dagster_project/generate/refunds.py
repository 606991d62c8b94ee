"""Refund / return requests: pending → approved or rejected → goods received → refunded.

Every refund belongs to an order line. ``days_to_refund`` (from the goods arriving back to the money
being paid) is what the late-refund rules score, so it is an explicit parameter, not an accident.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .complaints import hours

GOODS_RETURNED = ("no_reason_7day", "quality", "not_as_described", "damaged")
DEFECT_REASONS = ("quality", "not_as_described", "not_received", "damaged")


class Refund:
    __slots__ = ("refund_id", "order_id", "line_no", "merchant_id", "reason", "requested", "decided", "decision",
                 "return_received", "refunded", "amount", "events")

    def __init__(self, refund_id: str, order_id: str, line_no: int | None, merchant_id: str, reason: str,
                 requested: datetime, decided: datetime | None, decision: str, return_received: datetime | None,
                 refunded: datetime | None, amount: int):
        self.refund_id, self.order_id, self.line_no, self.merchant_id = refund_id, order_id, line_no, merchant_id
        self.reason, self.requested, self.decided, self.decision = reason, requested, decided, decision
        self.return_received, self.refunded, self.amount = return_received, refunded, amount
        ev = [requested]
        ev += [t for t in (decided, return_received, refunded) if t is not None]
        self.events = ev

    def event_times(self) -> list[datetime]:
        return self.events

    def row(self, i: int) -> dict:
        at = self.events[i]
        return {
            "refund_id": self.refund_id, "order_id": self.order_id, "line_no": self.line_no,
            "merchant_id": self.merchant_id, "reason": self.reason, "requested_at": self.requested,
            "decided_at": self.decided if self.decided and self.decided <= at else None,
            "decision": self.decision if self.decided and self.decided <= at else "pending",
            "return_received_at": self.return_received if self.return_received and self.return_received <= at else None,
            "refunded_at": self.refunded if self.refunded and self.refunded <= at else None,
            "amount": self.amount, "updated_at": at,
        }


def make_refund(rng: random.Random, refund_id: str, order_id: str, line_no: int, merchant_id: str, reason: str,
                requested: datetime, decision: str, amount: int, days_to_refund: float | None = None) -> Refund:
    """A refund with realistic gaps; ``days_to_refund`` fixes refunded_at − return_received_at exactly."""
    decided = requested + hours(rng, 1, 30)
    received = refunded = None
    if decision == "approved":
        if reason in GOODS_RETURNED:
            received = decided + hours(rng, 24, 96)
            if days_to_refund is None:
                refunded = received + hours(rng, 4, 5 * 24)
            else:
                refunded = received + timedelta(days=days_to_refund)
        else:
            refunded = decided + hours(rng, 1, 48)
    return Refund(refund_id, order_id, line_no, merchant_id, reason, requested, decided, decision, received,
                  refunded, amount)
