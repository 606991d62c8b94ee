"""Planted bad rows: a small, known share of every kind the landing contract names.

Bad rows are *extra* rows written between the normal ones, never normal records altered in place, so
quarantining them loses nothing and the planted merchant patterns are untouched:

- hard rules (quarantined): a synthetic record with a fresh key (ids ``OB…``, ``CB…``, ``RB…``,
  ``MB…``) broken in exactly one way; ``duplicate_key`` is an identical copy of the normal row just
  written (the original loads, only the copy is bad); ``conflicting_key`` is a synthetic record written
  twice with the same key and updated_at but one differing value (both copies are bad).
- soft rules (loaded with a flag): a synthetic record of a *background* merchant, valid except for
  one timestamp order or one unknown reference (merchant ``MX…`` / order ``OX…`` never delivered).

Every planted row is recorded with its file, line and rule in ``_truth/bad_rows.csv`` or
``_truth/soft_flags.csv``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .licence import corrupt_uscc, random_uscc
from .merchants import Merchant, mobile_number

HARD = ("required_missing", "type_invalid", "malformed_record", "enum_invalid", "domain_violation",
        "license_check_failed", "duplicate_key", "conflicting_key")

KINDS = {
    "merchants": ("license_check_failed", "required_missing", "type_invalid", "enum_invalid", "duplicate_key",
                  "conflicting_key"),
    "orders": ("required_missing", "type_invalid", "enum_invalid", "domain_violation", "duplicate_key",
               "conflicting_key", "paid_at_before_ordered_at", "shipped_at_before_paid_at",
               "delivered_at_before_shipped_at", "unknown_merchant"),
    "complaints": ("required_missing", "type_invalid", "malformed_record", "enum_invalid", "domain_violation",
                   "duplicate_key", "conflicting_key", "first_response_at_before_received_at",
                   "resolved_at_before_received_at", "unknown_merchant", "unknown_order"),
    "refunds": ("required_missing", "type_invalid", "enum_invalid", "domain_violation", "duplicate_key",
                "conflicting_key", "decided_at_before_requested_at", "unknown_order"),
}


def kinds_for(source: str, fmt: str) -> tuple[str, ...]:
    """The kinds a file can carry: typed Parquet cannot hold an unparsable value, only JSONL can be malformed."""
    out = []
    for k in KINDS[source]:
        if k == "type_invalid" and fmt == "parquet":
            continue
        if k == "malformed_record" and fmt != "jsonl":
            continue
        out.append(k)
    return tuple(out)


@dataclass
class Injection:
    """When to plant: each kind in ``guarantee`` once early in the file (every 2nd normal row), then the
    next kind of the rotation after every ``interval`` normal rows (0 = never)."""

    guarantee: tuple[str, ...] = ()
    interval: int = 0


@dataclass
class Planted:
    payload: dict | str  # a row, or a raw JSONL line
    label: str  # rule or flag name
    hard: bool


class Factory:
    """Builds planted rows from clean synthetic records of background merchants."""

    def __init__(self, seed: int, background: list[Merchant]):
        self.rng = random.Random(f"bad:{seed}")
        self.background = background
        self.n = 0
        self._variant: dict[str, int] = {}

    def _next(self) -> int:
        self.n += 1
        return self.n

    def _variant_of(self, key: str, k: int) -> int:
        """Cycle through a kind's variants so each file shows several (quantity 0, negative price, …)."""
        v = self._variant.get(key, 0)
        self._variant[key] = v + 1
        return v % k

    @staticmethod
    def _when(template: dict) -> datetime:
        t = template.get("updated_at")
        if not isinstance(t, datetime) or t < datetime(2026, 4, 5, 12):
            t = datetime(2026, 4, 5, 12, 0, 0)
        return t

    # ---------------------------------------------------------------- clean synthetic records
    def clean(self, source: str, template: dict) -> dict:
        rng, t, n = self.rng, self._when(template), self._next()
        m = rng.choice(self.background)
        if source == "orders":
            sku, price = rng.choice(m.skus)
            ordered = t - timedelta(days=3, seconds=rng.randrange(3600))
            paid = ordered + timedelta(minutes=5)
            shipped = paid + timedelta(hours=20)
            return {"order_id": f"OB{t:%Y%m%d}{n:05d}", "line_no": 1, "merchant_id": m.merchant_id,
                    "consumer_id": f"U{rng.randrange(1, 10**6):09d}", "consumer_phone": mobile_number(n),
                    "sku_id": sku, "quantity": 1, "unit_price": price, "list_price": None, "currency": "CNY",
                    "ordered_at": ordered, "paid_at": paid, "promised_ship_by": paid + timedelta(hours=48),
                    "shipped_at": shipped, "delivered_at": shipped + timedelta(hours=30), "nrr_exempt": False,
                    "order_status": "delivered", "channel": "app", "ship_to_region": "浙江省", "updated_at": t}
        if source == "complaints":
            received = t - timedelta(days=2)
            return {"complaint_id": f"CB{t:%Y%m%d}{n:05d}", "order_id": None, "merchant_id": m.merchant_id,
                    "consumer_id": f"U{rng.randrange(1, 10**6):09d}", "channel": "in_app",
                    "right_category": "compensation", "issue_code": "other", "received_at": received,
                    "first_response_at": received + timedelta(hours=3), "verified_at": None,
                    "resolved_at": received + timedelta(days=1), "status": "rejected", "outcome": "rejected",
                    "substantiated": False, "compensation_amount": None, "advance_compensation": None,
                    "escalated_at": None, "satisfaction": 2, "description": "客服回复慢。", "updated_at": t}
        if source == "refunds":
            requested = t - timedelta(days=1)
            return {"refund_id": f"RB{t:%Y%m%d}{n:05d}", "order_id": template.get("order_id"),
                    "line_no": template.get("line_no"), "merchant_id": template.get("merchant_id"),
                    "reason": "other", "requested_at": requested, "decided_at": requested + timedelta(hours=5),
                    "decision": "rejected", "return_received_at": None, "refunded_at": None,
                    "amount": 1990, "updated_at": t}
        if source == "merchants":
            lic = random_uscc(rng, "330100")
            return {"merchant_id": f"MB{n:04d}", "merchant_name": f"测试{n}号商贸小店", "business_license_no": lic,
                    "license_expires_on": None, "category": "家居", "region": "浙江省",
                    "onboarded_at": datetime(2025, 6, 1, 10, 0, 0), "status": "active",
                    "contact_phone": mobile_number(n + 777), "updated_at": datetime(2025, 6, 1, 10, 0, 0)}
        raise ValueError(source)

    # ---------------------------------------------------------------- planted rows
    def make(self, kind: str, source: str, template: dict) -> list[Planted]:
        if kind == "duplicate_key":
            return [Planted(dict(template), kind, True)]
        if kind == "malformed_record":
            return [Planted(self._malformed(template), kind, True)]
        row = self.clean(source, template)
        if kind == "conflicting_key":
            other = dict(row)
            field, value = {
                "orders": ("quantity", 2), "complaints": ("satisfaction", 4), "refunds": ("amount", 2990),
                "merchants": ("merchant_name", f"{row.get('merchant_name')}（新）"),
            }[source]
            other[field] = value
            return [Planted(row, kind, True), Planted(other, kind, True)]
        getattr(self, "_" + kind)(source, row)
        return [Planted(row, kind, kind in HARD)]

    def _required_missing(self, source: str, row: dict) -> None:
        col = {"orders": ("sku_id", "consumer_id", "ordered_at"), "complaints": ("consumer_id", "received_at"),
               "refunds": ("order_id", "amount"), "merchants": ("merchant_name", "business_license_no")}[source]
        name = col[self._variant_of("rm" + source, len(col))]
        if self._variant_of("rm-style", 2):
            row[name] = None
        else:
            del row[name]  # JSONL: key absent; CSV/Parquet: empty value

    def _type_invalid(self, source: str, row: dict) -> None:
        options = {
            "orders": (("quantity", "two"), ("ordered_at", "2026-10-32T10:00:00"), ("unit_price", "12,50"),
                       ("line_no", "1.5")),
            "complaints": (("received_at", "昨天下午3点"), ("satisfaction", "五星")),
            "refunds": (("amount", "一百元"), ("requested_at", "2026-10-26 25:61:00")),
            "merchants": (("onboarded_at", "2025-02-30T10:00:00"), ("license_expires_on", "2027-13-01")),
        }[source]
        name, value = options[self._variant_of("ti" + source, len(options))]
        row[name] = value

    def _enum_invalid(self, source: str, row: dict) -> None:
        options = {
            "orders": (("channel", "tv_shopping"), ("order_status", "shipping")),
            "complaints": (("status", "closed"), ("channel", "wechat"), ("right_category", "health")),
            "refunds": (("decision", "maybe"), ("reason", "changed_mind")),
            "merchants": (("status", "closed"),),
        }[source]
        name, value = options[self._variant_of("ei" + source, len(options))]
        row[name] = value

    def _domain_violation(self, source: str, row: dict) -> None:
        options = {
            "orders": (("quantity", 0), ("unit_price", -100), ("line_no", 0), ("list_price", -500)),
            "complaints": (("satisfaction", 6), ("compensation_amount", -1000), ("satisfaction", 0)),
            "refunds": (("amount", 0), ("amount", -350)),
        }[source]
        name, value = options[self._variant_of("dv" + source, len(options))]
        row[name] = value

    def _license_check_failed(self, source: str, row: dict) -> None:
        row["business_license_no"] = corrupt_uscc(row["business_license_no"])

    def _paid_at_before_ordered_at(self, source: str, row: dict) -> None:
        row["paid_at"] = row["ordered_at"] - timedelta(minutes=2)
        row["promised_ship_by"] = row["paid_at"] + timedelta(hours=48)

    def _shipped_at_before_paid_at(self, source: str, row: dict) -> None:
        row["shipped_at"] = row["paid_at"] - timedelta(minutes=30)
        row["delivered_at"] = row["shipped_at"] + timedelta(hours=30)

    def _delivered_at_before_shipped_at(self, source: str, row: dict) -> None:
        row["delivered_at"] = row["shipped_at"] - timedelta(hours=2)

    def _first_response_at_before_received_at(self, source: str, row: dict) -> None:
        row["first_response_at"] = row["received_at"] - timedelta(hours=1)

    def _resolved_at_before_received_at(self, source: str, row: dict) -> None:
        row["first_response_at"] = None
        row["resolved_at"] = row["received_at"] - timedelta(hours=3)

    def _decided_at_before_requested_at(self, source: str, row: dict) -> None:
        row["decided_at"] = row["requested_at"] - timedelta(hours=2)

    def _unknown_merchant(self, source: str, row: dict) -> None:
        row["merchant_id"] = f"MX{self.n:04d}"

    def _unknown_order(self, source: str, row: dict) -> None:
        row["order_id"] = f"OX{row['updated_at']:%Y%m%d}{self.n:05d}"
        if source == "refunds":
            row["line_no"] = 1
            row["merchant_id"] = self.rng.choice(self.background).merchant_id

    def _malformed(self, template: dict) -> str:
        n = self._next()
        forms = (
            '{"complaint_id": "CB%05d", "merchant_id": "%s", "description": "未闭合的字符串}',
            "{'complaint_id': 'CB%05d', 'merchant_id': '%s'}",
            '{"complaint_id": "CB%05d", "merchant_id": "%s", "status": "open",',
        )
        form = forms[self._variant_of("mal", len(forms))]
        return form % (n, self.rng.choice(self.background).merchant_id)
