"""Planted merchant behaviour and the truth the enforcement list is judged against.

Each pattern merchant gets a fixed set of *planned events* (a dedicated order placed on a chosen day
with a complaint, refund or price fact attached). Counts are fixed, only the days move with the seed,
so the expected tier is the same for every seed and every size >= the default. Rate patterns (order
defect rate, late shipment rate) are planted as a share of the merchant's own orders instead, so they
hold at any volume.

Expected tiers follow docs/violation-scoring.md as of 2026-10-31 (points over the rolling 365 days, rate
breaches over the 90 days 2026-08-03 … 2026-10-31, counted once for that window; ladders: general
<12 → 0, ≥12 → 1, ≥24 → 2, ≥36 → 3; serious >0 → 1, ≥12 → 2, ≥24 → 3, ≥48 → 4; tier = the higher).
Where an interpretation is open the counts are chosen so the plausible readings give the same tier:

- serious_counterfeit: 5 substantiated counterfeit complaints × 12 = 60 serious → 4.
- serious_data_leak: 3 substantiated data_leak complaints × 12 = 36 → 3 (far from 24 and 48).
- serious_price_fraud: 2 price_fraud + 1 fake_discount × 6 = 18 → 2.
- serious_review_removed: 3 review_removed × 6 = 18 → 2.
- serious_expired_licence: the licence (one merchant version, in force all year) expires in
  September; afterwards the merchant sells exactly 9 single-line orders on 9 different days in
  September and October. *Interpretation*: one evidence row per order line placed while expired
  (what the KPI expired_licence_order_count counts), 6 points each → 54 → 4. Because every line is
  its own order on its own day, "per order" and "per day" readings also give 54 → 4; a "per month"
  reading gives 12 → 2, still a caught serious violator.
- serious_nrr_refusal: 3 rejected no-reason-7-day requests on non-exempt lines, requested on day 2–5
  and on exactly the 7th day after delivery (eligible) → 18 → 2. Its 8th-day and exempt refusals are
  planted on honest_nrr_ineligible (not eligible → 0 points; counting them would wrongly give 12 → 2).
- fake_original_price: 8 lines a month in September and October with a list_price more than double
  the merchant's own unit price for that SKU in the previous 7 days → capped 12 + 12 = 24 → 2
  (uncapped 32 → also 2).
- repeat_quality_offender: 13 substantiated quality_defect/not_as_described complaints × 2 = 26
  general → 2, all between 08-10 and 10-24; the complaints may also breach order defect rate and
  complaints per 1000 orders (+4 each → at most 34), still 2. Spec 1.1 scores a rate type again from
  b + 90: planted over April–October, the order defect rate scored twice (38 → 3), so the complaints
  lie within 76 days and a second scoring breach cannot fall on or before the last list date.
- late_refunds: 5 refunds paid 20 days after the return arrived (4 each, "instead" of 2) and 3 paid
  after 9 days (2 each) → 26 → 2.
- odr_breach: from 2026-08-03 every 20th order gets an approved quality/damaged refund (5 % ≥ 1 %)
  → 4, plus 2 refunds paid 20 days late → 8; 12 general → 1 (without the rate points: 8 → 0).
- late_shipment_breach: from 2026-08-03 every 6th line ships after promised_ship_by (≈17 % ≥ 4 %)
  → 4, plus 2 refunds paid 20 days late → 8; 12 → 1.
- honest_large: ~12 % of all orders, complaints at the platform rate, at most 3 substantiated quality
  complaints (≤ 6 points), defect and late rates well under the thresholds → 0.
- honest_one_bad_week: 5 complaints inside one week in June/July (3 substantiated quality → 6
  points), a high-volume merchant so no rate breach even in that week's window → 0.
- honest_new_low_volume: onboarded 2026-10-08, 14 orders (< 30: not rate-scored), one substantiated
  quality complaint → 2 → 0.
- honest_nrr_ineligible: refuses a no-reason request made on the 8th day after delivery and one on
  an nrr_exempt line → no eligible refusal → 0.
- honest_genuine_discount: promotional lines (unit price 80 % of list) every 10 days whose list
  price equals the 7-day reference → never fake → 0.
- honest_licence_renewed: licence expiring 2026-10-27, renewed by a new merchant version on 10-26
  → never sells on an expired licence → 0.
- honest_new_merchant: onboarded 2026-10-27 (first delivered in the 10-27 merchants file) → 0.
- honest_ordinary (2): plain merchants → 0.

Background merchants (not in the truth) never get substantiated serious complaints, never refuse an
eligible no-reason return, refund within 5 days, ship late on at most 1 line in 150 and get a defect
on at most 1 order in 400 (at most 3 of them substantiated quality complaints): tier 0 by design.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .merchants import CATEGORIES, Merchant, make_merchant, mobile_number

RATE_WINDOW_START = date(2026, 8, 3)  # 90 days ending 2026-10-31


@dataclass(frozen=True)
class PatternSpec:
    pattern: str
    expected_tier: int
    weight: float


PATTERN_SPECS = (
    PatternSpec("serious_counterfeit", 4, 2.0),
    PatternSpec("serious_data_leak", 3, 2.0),
    PatternSpec("serious_price_fraud", 2, 2.0),
    PatternSpec("serious_review_removed", 2, 2.0),
    PatternSpec("serious_expired_licence", 4, 2.0),
    PatternSpec("serious_nrr_refusal", 2, 2.0),
    PatternSpec("fake_original_price", 2, 2.0),
    PatternSpec("repeat_quality_offender", 2, 2.5),
    PatternSpec("late_refunds", 2, 2.0),
    PatternSpec("odr_breach", 1, 2.0),
    PatternSpec("late_shipment_breach", 1, 2.0),
    PatternSpec("honest_large", 0, 14.0),
    PatternSpec("honest_one_bad_week", 0, 6.0),
    PatternSpec("honest_new_low_volume", 0, 0.0),
    PatternSpec("honest_nrr_ineligible", 0, 2.0),
    PatternSpec("honest_genuine_discount", 0, 2.0),
    PatternSpec("honest_licence_renewed", 0, 2.0),
    PatternSpec("honest_new_merchant", 0, 1.0),
    PatternSpec("honest_ordinary", 0, 2.5),
    PatternSpec("honest_ordinary", 0, 2.5),
)
N_BACKGROUND = 24


@dataclass
class PlannedEvent:
    """A dedicated order of ``merchant_id`` placed on ``day`` with a planted fact attached.

    kind: complaint | late_refund | nrr | fake_price | price_line | promo | order | refund_edge |
    complaint_edge | unverifiable_price. ``params`` are kind-specific; ``edge`` names a KPI edge case
    recorded in kpi_edges.csv.
    """

    day: date
    merchant_id: str
    kind: str
    params: dict = field(default_factory=dict)
    edge: str | None = None


@dataclass
class Roster:
    merchants: list[Merchant]
    background: list[Merchant]
    plan: dict[date, list[PlannedEvent]]

    def by_pattern(self, pattern: str) -> Merchant:
        return next(m for m in self.merchants if m.pattern == pattern)


def _days(rng: random.Random, start: date, end: date, k: int) -> list[date]:
    """k distinct days in [start, end], sorted."""
    n = (end - start).days + 1
    return sorted(start + timedelta(days=i) for i in rng.sample(range(n), k))


def build_roster(seed: int) -> Roster:
    rng = random.Random(f"roster:{seed}")
    n = len(PATTERN_SPECS) + N_BACKGROUND
    ids = [f"M{10001 + i}" for i in range(n)]
    rng.shuffle(ids)
    used: set[str] = set()
    merchants: list[Merchant] = []
    for spec, mid in zip(PATTERN_SPECS, ids, strict=False):
        m = make_merchant(rng, mid, rng.choice(CATEGORIES), spec.weight, used)
        m.pattern, m.expected_tier = spec.pattern, spec.expected_tier
        merchants.append(m)
    background = []
    for i, mid in enumerate(ids[len(PATTERN_SPECS):]):
        m = make_merchant(rng, mid, CATEGORIES[i % len(CATEGORIES)], round(rng.uniform(1.6, 4.0), 2), used)
        background.append(m)
    merchants.extend(background)
    merchants.sort(key=lambda m: m.merchant_id)
    roster = Roster(merchants=merchants, background=sorted(background, key=lambda m: m.merchant_id), plan={})
    _plan(roster, rng)
    return roster


def _plan(roster: Roster, rng: random.Random) -> None:
    events: list[PlannedEvent] = []

    def add(day: date, m: Merchant, kind: str, edge: str | None = None, **params) -> None:
        events.append(PlannedEvent(day, m.merchant_id, kind, params, edge))

    early, late = date(2026, 4, 10), date(2026, 10, 20)

    m = roster.by_pattern("serious_counterfeit")
    for d in _days(rng, early, late, 5):
        add(d, m, "complaint", issue_code="counterfeit", substantiated=True)
    m = roster.by_pattern("serious_data_leak")
    for d in _days(rng, early, late, 3):
        add(d, m, "complaint", issue_code="data_leak", substantiated=True)
    m = roster.by_pattern("serious_price_fraud")
    for d, code in zip(_days(rng, early, late, 3), ("price_fraud", "price_fraud", "fake_discount"), strict=True):
        add(d, m, "complaint", issue_code=code, substantiated=True)
    m = roster.by_pattern("serious_review_removed")
    for d in _days(rng, early, late, 3):
        add(d, m, "complaint", issue_code="review_removed", substantiated=True)

    m = roster.by_pattern("serious_expired_licence")
    expiry = date(2026, 9, 10) + timedelta(days=rng.randrange(8))  # 09-10 … 09-17
    m.licence_expires_on = expiry
    m.random_until = expiry - timedelta(days=1)
    for d in _days(rng, expiry + timedelta(days=2), date(2026, 9, 30), 4) + _days(
            rng, date(2026, 10, 1), date(2026, 10, 28), 5):
        add(d, m, "order", expired_sale=True)

    m = roster.by_pattern("serious_nrr_refusal")
    days = _days(rng, date(2026, 5, 1), date(2026, 10, 15), 3)
    add(days[0], m, "nrr", request_day=7, exempt=False, decision="rejected", edge="nrr_request_day7_after_delivery")
    add(days[1], m, "nrr", request_day=rng.randrange(2, 6), exempt=False, decision="rejected")
    add(days[2], m, "nrr", request_day=rng.randrange(2, 6), exempt=False, decision="rejected")
    m = roster.by_pattern("honest_nrr_ineligible")
    days = _days(rng, date(2026, 5, 1), date(2026, 10, 15), 3)
    add(days[0], m, "nrr", request_day=8, exempt=False, decision="rejected", edge="nrr_request_day8_after_delivery")
    add(days[1], m, "nrr", request_day=3, exempt=True, decision="rejected", edge="nrr_exempt_line")
    add(days[2], m, "nrr", request_day=5, exempt=False, decision="approved")

    m = roster.by_pattern("fake_original_price")
    sku, price = m.skus[0]
    for d in _days(rng, date(2026, 9, 3), date(2026, 9, 30), 8) + _days(rng, date(2026, 10, 3), date(2026, 10, 28), 8):
        add(d - timedelta(days=1), m, "price_line", sku=sku, unit_price=price)
        add(d, m, "fake_price", sku=sku, unit_price=price, list_price=price * 2 + 10000)

    m = roster.by_pattern("honest_genuine_discount")
    sku, price = m.skus[0]
    m.skus = m.skus[1:]  # the promoted SKU sells only through the planned lines below
    d = date(2026, 4, 2)
    while d <= date(2026, 10, 30):
        add(d, m, "price_line", sku=sku, unit_price=price)
        d += timedelta(days=3)
    d = date(2026, 4, 12) + timedelta(days=rng.randrange(3))
    while d <= date(2026, 10, 28):
        add(d, m, "promo", sku=sku, unit_price=price * 8 // 10, list_price=price)
        d += timedelta(days=10)

    m = roster.by_pattern("repeat_quality_offender")
    # Drawn over the same span as before (the same random draws, so every other plant keeps its bytes),
    # then laid into 76 days: a rate breach these complaints cause first scores on or after 08-10, so
    # its re-scoring day (b + 90, spec 1.1) falls after the sample's last list date.
    span_from, span_to = early, date(2026, 10, 24)
    squeeze_from = date(2026, 8, 10)
    for d in _days(rng, span_from, span_to, 13):
        d = squeeze_from + timedelta(days=(d - span_from).days * (span_to - squeeze_from).days
                                     // (span_to - span_from).days)
        add(d, m, "complaint", issue_code=rng.choice(("quality_defect", "not_as_described")), substantiated=True)

    m = roster.by_pattern("late_refunds")
    days = _days(rng, early, date(2026, 9, 28), 8)
    rng.shuffle(days)
    for i, d in enumerate(days):
        add(d, m, "late_refund", days_late=20 if i < 5 else 9)
    for pattern in ("odr_breach", "late_shipment_breach"):
        m = roster.by_pattern(pattern)
        for d in _days(rng, early, date(2026, 7, 15), 2):
            add(d, m, "late_refund", days_late=20)

    m = roster.by_pattern("honest_one_bad_week")
    week = date(2026, 6, 8) + timedelta(days=rng.randrange(29))
    for i in range(5):
        add(week + timedelta(days=rng.randrange(7)), m, "complaint",
            issue_code=rng.choice(("quality_defect", "not_as_described")), substantiated=i < 3)

    m = roster.by_pattern("honest_new_low_volume")
    m.onboarded_at = datetime(2026, 10, 8, 9, 30)
    m.random_from, m.random_until = date(2026, 10, 8), date(2026, 10, 7)  # planned orders only
    for d in _days(rng, date(2026, 10, 8), date(2026, 10, 30), 14):
        add(d, m, "order")
    add(date(2026, 10, 12), m, "complaint", issue_code="quality_defect", substantiated=True)
    add(date(2026, 10, 16), m, "complaint", issue_code="late_delivery", substantiated=False)

    m = roster.by_pattern("honest_licence_renewed")
    m.licence_expires_on = date(2026, 10, 27)
    m.changes.append((datetime(2026, 10, 26, 8, 0, 0), {"license_expires_on": date(2031, 10, 26)}))

    m = roster.by_pattern("honest_new_merchant")
    m.onboarded_at = datetime(2026, 10, 27, 9, 15)
    m.random_from = date(2026, 10, 28)

    m = roster.by_pattern("odr_breach")
    m.rate_plan = {"defect_from": RATE_WINDOW_START, "defect_every": 20}
    m = roster.by_pattern("late_shipment_breach")
    m.rate_plan = {"late_from": RATE_WINDOW_START, "late_every": 6}

    # KPI edge cases on background merchants (none of them scores: see the module docstring).
    bg = roster.background
    pick = rng.sample(range(len(bg)), 9)
    add(date(2026, 9, 1) + timedelta(days=rng.randrange(40)), bg[pick[0]], "complaint_edge",
        edge="complaint_first_response_exactly_24h", mode="exact24h")
    add(date(2026, 10, 24), bg[pick[1]], "complaint_edge", edge="complaint_pending_overdue_at_cutoff",
        mode="pending", received_at=datetime(2026, 10, 30, 20, 30, 0))
    add(date(2026, 10, 24), bg[pick[2]], "complaint_edge", edge="complaint_pending_within_deadline_at_cutoff",
        mode="pending", received_at=datetime(2026, 10, 31, 10, 15, 0))
    add(date(2026, 9, 1) + timedelta(days=rng.randrange(30)), bg[pick[3]], "refund_edge",
        edge="refund_paid_7_days_after_return", days_late=7)
    add(date(2026, 9, 1) + timedelta(days=rng.randrange(30)), bg[pick[4]], "refund_edge",
        edge="refund_paid_8_days_after_return", days_late=8)
    add(date(2026, 8, 1) + timedelta(days=rng.randrange(60)), bg[pick[5]], "unverifiable_price",
        edge="fake_price_unverifiable_no_prior_line")
    add(date(2026, 10, 10) + timedelta(days=rng.randrange(10)), bg[pick[6]], "complaint_edge",
        edge="description_script_tag", mode="script")
    # received on 10-27: lands in the CSV complaints delivery, where quoting matters
    add(date(2026, 10, 24), bg[pick[7]], "complaint_edge", edge="description_formula_injection",
        mode="hyperlink", received_at=datetime(2026, 10, 27, 14, 5, 9))
    add(date(2026, 10, 24), bg[pick[8]], "complaint_edge", edge="description_multiline_quotes_commas",
        mode="multiline", received_at=datetime(2026, 10, 27, 9, 41, 0))
    # Two background merchants change their contact phone: new merchant versions in the 10-29 delivery.
    for m in (bg[i] for i in sorted(rng.sample(range(len(bg)), 2))):
        m.changes.append((datetime(2026, 10, 29, 11, rng.randrange(60), 0), {"contact_phone": mobile_number(rng.randrange(10**9))}))
    for e in events:
        roster.plan.setdefault(e.day, []).append(e)


def pattern_truth(roster: Roster) -> list[tuple[str, str, int]]:
    """Rows of merchant_patterns.csv: (merchant_id, pattern, expected_tier), ordered by merchant id."""
    return [(m.merchant_id, m.pattern, m.expected_tier) for m in roster.merchants if m.is_pattern]
