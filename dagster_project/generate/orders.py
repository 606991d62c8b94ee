"""Order lines, day by day, with the complaints and refunds that follow from them.

The generator walks the calendar once, one local day at a time. Each day's orders are drawn from a
random source seeded by (seed, day) and immediately handed to the delivery router with all their
future events (paid, shipped, delivered, completed or returned), together with any complaint or
refund they cause. Nothing about a day is kept after it is written, so memory does not grow with the
number of orders; only a few counters per merchant survive between days.

Background behaviour is spaced by per-merchant counters rather than drawn independently, so a
merchant's defect, late-shipment and complaint *rates* are the same at every volume and no honest
merchant crosses a rate threshold by bad luck.
"""

from __future__ import annotations

import random
from bisect import bisect
from datetime import date, datetime, timedelta
from itertools import accumulate

from . import complaints as cmp
from .calendar import allocate, day_start, day_weights, history_days
from .merchants import PROVINCE_WEIGHTS, PROVINCES, Merchant, mobile_number
from .patterns import PlannedEvent, Roster
from .refunds import DEFECT_REASONS, make_refund

_HOUR_W = (2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 8, 7, 7, 7, 7, 8, 10, 12, 13, 11, 6)
_CHANNELS = ("app", "mini_program", "web", "live_stream")
_CHANNEL_W = (55, 20, 10, 15)
BACKGROUND_DEFECT_EVERY = 400   # at most 1 defective order in 400 (order defect rate 0.25 % < 1 %)
BACKGROUND_LATE_EVERY = 150     # at most 1 late line in 150 (0.7 % < 4 %)
BACKGROUND_COMPLAINT_EVERY = 45  # an (unsubstantiated) complaint per ~45 orders, the platform rate
BACKGROUND_QUALITY_CAP = 3      # substantiated quality complaints per honest merchant (≤ 6 points)
REFUND_SHARE = 0.025


class Picker:
    """Weighted choice, the same draw as ``rng.choices(items, weights)[0]`` without its per-call setup."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


_PICK_HOUR = Picker(range(24), _HOUR_W)
_PICK_CHANNEL = Picker(_CHANNELS, _CHANNEL_W)
_PICK_PROVINCE = Picker(PROVINCES, PROVINCE_WEIGHTS)
PROMISE = timedelta(hours=48)
_COMPLETED_AFTER = timedelta(days=7, hours=6)  # an unreturned delivered line completes 7 days 6 hours later


class Line:
    """One order line with its whole future: version i is as of ``times[i]``, with status ``statuses[i]``."""

    __slots__ = ("order_id", "line_no", "merchant_id", "consumer_id", "consumer_phone", "sku_id", "quantity",
                 "unit_price", "list_price", "currency", "ordered", "paid", "promised", "shipped", "delivered",
                 "exempt", "channel", "ship_to", "times", "statuses")

    def event_times(self) -> list[datetime]:
        return self.times

    def amount(self) -> int:
        return self.quantity * self.unit_price

    def build_events(self, end: tuple[datetime, str] | None) -> None:
        paid = self.paid
        if paid is None:
            times, statuses = [self.ordered], ["created"]
        else:
            times = [self.ordered, paid, self.shipped, self.delivered]
            statuses = ["created", "paid", "shipped", "delivered"]
        if end is not None:
            times.append(end[0])
            statuses.append(end[1])
        self.times = times
        self.statuses = statuses

    def row(self, i: int) -> dict:
        at, status = self.times[i], self.statuses[i]
        paid = self.paid
        if paid is not None and paid > at:
            paid = None
        shipped, delivered = self.shipped, self.delivered
        return {
            "order_id": self.order_id, "line_no": self.line_no, "merchant_id": self.merchant_id,
            "consumer_id": self.consumer_id, "consumer_phone": self.consumer_phone, "sku_id": self.sku_id,
            "quantity": self.quantity, "unit_price": self.unit_price, "list_price": self.list_price,
            "currency": self.currency, "ordered_at": self.ordered, "paid_at": paid,
            "promised_ship_by": self.promised if paid is not None else None,
            "shipped_at": shipped if shipped is not None and shipped <= at else None,
            "delivered_at": delivered if delivered is not None and delivered <= at else None,
            "nrr_exempt": self.exempt, "order_status": status, "channel": self.channel,
            "ship_to_region": self.ship_to, "updated_at": at,
        }


class MerchantState:
    __slots__ = ("orders", "lines", "defect_off", "late_off", "complaint_off", "quality_used")

    def __init__(self, rng: random.Random):
        self.orders = self.lines = self.quality_used = 0
        self.defect_off = rng.randrange(BACKGROUND_DEFECT_EVERY)
        self.late_off = rng.randrange(BACKGROUND_LATE_EVERY)
        self.complaint_off = rng.randrange(BACKGROUND_COMPLAINT_EVERY)


class OrderGenerator:
    """Produces every order line, complaint and refund and hands them to ``sink.emit(source, record)``."""

    def __init__(self, seed: int, roster: Roster, n_lines: int, sink, edges: list[tuple[str, str, str]]):
        self.seed, self.roster, self.n_lines, self.sink, self.edges = seed, roster, n_lines, sink, edges
        self.by_id: dict[str, Merchant] = {m.merchant_id: m for m in roster.merchants}
        srng = random.Random(f"state:{seed}")
        self.state = {m.merchant_id: MerchantState(srng) for m in roster.merchants}
        self.consumer_pool = max(5_000, n_lines // 3)
        self.counts = {"orders": 0, "order_lines": 0, "complaints": 0, "refunds": 0}

    # ------------------------------------------------------------------ helpers
    def _consumer(self, rng: random.Random) -> tuple[str, str | None]:
        n = 1 + rng._randbelow(self.consumer_pool - 1)  # = rng.randrange(1, pool), see _random_order
        return f"U{n:09d}", (mobile_number(n) if n % 10 < 7 else None)

    def _line(self, rng: random.Random, m: Merchant, order_id: str, line_no: int, consumer, ordered: datetime,
              paid: datetime | None, channel: str, ship_to: str, currency: str | None) -> Line:
        random_ = rng.random
        ln = Line()
        ln.order_id, ln.line_no, ln.merchant_id = order_id, line_no, m.merchant_id
        ln.consumer_id, ln.consumer_phone = consumer
        skus = m.skus
        ln.sku_id, ln.unit_price = sku_id, unit_price = skus[rng._randbelow(len(skus))]  # = rng.choice(skus)
        ln.quantity = 1 if random_() < 0.8 else rng.randint(2, 4)
        ln.list_price = unit_price if random_() < 0.3 else None  # honest: shown price = price charged
        ln.currency, ln.ordered, ln.paid, ln.channel, ln.ship_to = currency, ordered, paid, channel, ship_to
        ln.promised = paid + PROMISE if paid is not None else None
        if m.category == "食品" and random_() < 0.3:
            ln.exempt = True  # perishable
        elif random_() < 0.01:
            ln.exempt = True  # made to order
        else:
            ln.exempt = False if random_() < 0.3 else None
        ln.shipped = ln.delivered = None
        return ln

    @staticmethod
    def _ship(rng: random.Random, ln: Line, late: bool) -> None:
        # hours(rng, lo, hi) inlined: the same draw (uniform = lo + (hi - lo) * random()), one call fewer
        if ln.paid is None:
            return
        random_ = rng.random
        if late:
            shipped = ln.promised + timedelta(seconds=int((6 + 66 * random_()) * 3600))
        else:
            shipped = ln.paid + timedelta(seconds=int((2 + 38 * random_()) * 3600))
        ln.shipped = shipped
        ln.delivered = shipped + timedelta(seconds=int((18 + 78 * random_()) * 3600))

    def _emit_lines(self, lines: list[Line], ends: dict[int, tuple[datetime, str]]) -> None:
        emit = self.sink.emit
        for ln in lines:
            if ln.paid is None:
                end = (ln.ordered + timedelta(minutes=25 + ln.line_no), "cancelled")
            else:
                end = ends.get(ln.line_no) or (ln.delivered + _COMPLETED_AFTER, "completed")
            ln.build_events(end)
            emit("orders", ln)
        self.counts["order_lines"] += len(lines)

    # ------------------------------------------------------------------ days
    def run(self, after_day=None) -> None:
        """Generate every day in order; ``after_day(day)`` is called when a day is fully written."""
        days = history_days()
        targets = allocate(self.n_lines, day_weights(days))
        for d, target in zip(days, targets, strict=True):
            self._day(d, target)
            if after_day is not None:
                after_day(d)

    def _day(self, d: date, target: int) -> None:
        rng = random.Random(f"orders:{self.seed}:{d.isoformat()}")
        active = [m for m in self.roster.merchants
                  if m.weight > 0 and m.random_from <= d and (m.random_until is None or d <= m.random_until)]
        pick = Picker(active, [m.weight for m in active])
        ctx = _DayCtx(d)
        lines_done = 0
        while lines_done < target:
            m = pick(rng)
            lines_done += self._random_order(rng, ctx, m)
        for ev in self.roster.plan.get(d, ()):
            self._planned(rng, ctx, ev)

    def _random_order(self, rng: random.Random, ctx: _DayCtx, m: Merchant) -> int:
        """One random order of ``m`` with its lines, complaint and refunds; returns its line count.

        This runs once per order (10 M lines ≈ 7.5 M orders), so it takes the draws of
        ``randrange``/``choice`` straight from ``rng._randbelow``, the one call those make: the same
        numbers in the same order (a seed's files stay byte-identical) without their argument checks.
        """
        random_, below = rng.random, rng._randbelow
        st = self.state[m.merchant_id]
        st.orders += 1
        order_id = ctx.next_order_id()
        ordered = ctx.start + timedelta(seconds=_PICK_HOUR(rng) * 3600 + below(3600))
        cancelled = random_() < 0.03
        paid = None if cancelled else ordered + timedelta(seconds=30 + below(1170))
        consumer = self._consumer(rng)
        channel = _PICK_CHANNEL(rng)
        ship_to = _PICK_PROVINCE(rng)
        currency = "CNY" if random_() < 0.4 else None
        n = 1 if random_() < 0.75 else (2 if random_() < 0.72 else 3)
        plan = m.rate_plan
        late_every = plan["late_every"] if "late_every" in plan and ctx.day >= plan["late_from"] else None
        lines = []
        line, ship = self._line, self._ship
        for k in range(1, n + 1):
            ln = line(rng, m, order_id, k, consumer, ordered, paid, channel, ship_to, currency)
            st.lines += 1
            if late_every is not None:
                late = st.lines % late_every == 0
            else:
                late = (st.lines + st.late_off) % BACKGROUND_LATE_EVERY == 0
            ship(rng, ln, late)
            lines.append(ln)
        self.counts["orders"] += 1
        ends: dict[int, tuple[datetime, str]] = {}
        if not cancelled:
            if "defect_every" in plan and ctx.day >= plan["defect_from"]:
                defect = st.orders % plan["defect_every"] == 0
            else:
                defect = (st.orders + st.defect_off) % BACKGROUND_DEFECT_EVERY == 0
            first = lines[0]
            if defect:
                self._defect(rng, ctx, m, st, first, ends)
            elif (st.orders + st.complaint_off) % BACKGROUND_COMPLAINT_EVERY == 0:
                c = cmp.unsubstantiated(rng, ctx.next_complaint_id(), order_id, m.merchant_id, first.consumer_id,
                                        first.delivered)
                self._emit_complaint(c)
            for ln in lines:
                if ln.line_no not in ends and rng.random() < REFUND_SHARE:
                    self._ordinary_refund(rng, ctx, ln, ends)
        self._emit_lines(lines, ends)
        return n

    def _defect(self, rng, ctx, m: Merchant, st: MerchantState, ln: Line, ends) -> None:
        """A real problem with an order: a substantiated complaint or an approved refund for a defect."""
        refund_only = "defect_every" in m.rate_plan or m.is_pattern
        if not refund_only and st.quality_used < BACKGROUND_QUALITY_CAP and rng.random() < 0.5:
            st.quality_used += 1
            c = cmp.substantiated(rng, ctx.next_complaint_id(), ln.order_id, m.merchant_id, ln.consumer_id,
                                  ln.delivered, rng.choice(("quality_defect", "not_as_described")), ln.amount())
            self._emit_complaint(c)
        elif not refund_only and rng.random() < 0.3:
            c = cmp.substantiated(rng, ctx.next_complaint_id(), ln.order_id, m.merchant_id, ln.consumer_id,
                                  ln.delivered, rng.choice(("late_delivery", "other")), ln.amount())
            self._emit_complaint(c)
        else:
            reason = rng.choice(DEFECT_REASONS)
            r = make_refund(rng, ctx.next_refund_id(), ln.order_id, ln.line_no, m.merchant_id, reason,
                            ln.delivered + cmp.hours(rng, 4, 96), "approved", ln.amount())
            self._emit_refund(r, ln, ends)

    def _ordinary_refund(self, rng, ctx, ln: Line, ends) -> None:
        """Everyday refunds of honest trade: no-reason returns inside the window are always accepted."""
        requested = ln.delivered + cmp.hours(rng, 6, 5.5 * 24)
        if not ln.exempt and rng.random() < 0.7:
            reason, decision, amount = "no_reason_7day", "approved", ln.amount()
        elif rng.random() < 0.5:
            reason, decision, amount = "price_protection", "approved", max(100, ln.amount() // 10)
        else:
            reason = "other"
            decision = "approved" if rng.random() < 0.5 else "rejected"
            amount = ln.amount()
        r = make_refund(rng, ctx.next_refund_id(), ln.order_id, ln.line_no, ln.merchant_id, reason, requested,
                        decision, amount)
        self._emit_refund(r, ln, ends)

    def _emit_refund(self, r, ln: Line, ends) -> None:
        if r.decision == "approved" and r.return_received is not None and r.refunded is not None:
            ends[ln.line_no] = (r.refunded + timedelta(minutes=3), "returned")
        self.sink.emit("refunds", r)
        self.counts["refunds"] += 1

    def _emit_complaint(self, c) -> None:
        self.sink.emit("complaints", c)
        self.counts["complaints"] += 1

    # ------------------------------------------------------------------ planned events
    def _planned_line(self, rng, ctx, m: Merchant, sku: tuple[str, int] | None = None,
                      list_price: int | None = None, exempt: bool | None = None) -> Line:
        """A single-line order with a fixed, on-time lifecycle: nothing random can disturb the planted fact."""
        order_id = ctx.next_order_id()
        ordered = day_start(ctx.day) + timedelta(hours=9, seconds=rng.randrange(10 * 3600))
        paid = ordered + timedelta(seconds=rng.randrange(60, 600))
        ln = self._line(rng, m, order_id, 1, self._consumer(rng), ordered, paid,
                        _PICK_CHANNEL(rng), _PICK_PROVINCE(rng), None)
        ln.quantity = 1
        if sku is not None:
            ln.sku_id, ln.unit_price = sku
            ln.list_price = list_price
        else:
            ln.list_price = None
        ln.exempt = exempt
        ln.shipped = paid + cmp.hours(rng, 4, 20)
        ln.delivered = ln.shipped + cmp.hours(rng, 20, 30)
        self.counts["orders"] += 1
        return ln

    def _planned(self, rng: random.Random, ctx: _DayCtx, ev: PlannedEvent) -> None:
        m = self.by_id[ev.merchant_id]
        p = ev.params
        ends: dict[int, tuple[datetime, str]] = {}
        if ev.kind in ("price_line", "fake_price", "promo"):
            ln = self._planned_line(rng, ctx, m, (p["sku"], p["unit_price"]), p.get("list_price"))
        elif ev.kind == "unverifiable_price":
            price = m.skus[0][1]
            ln = self._planned_line(rng, ctx, m, (f"SKU-{m.merchant_id}-901", price), price * 3 // 2)
            self.edges.append((ev.edge, "orders", f"{ln.order_id}:1"))
        elif ev.kind == "nrr":
            ln = self._planned_line(rng, ctx, m, exempt=bool(p["exempt"]))
            requested = day_start(ln.delivered.date() + timedelta(days=p["request_day"])) + timedelta(
                hours=10, seconds=rng.randrange(8 * 3600))
            r = make_refund(rng, ctx.next_refund_id(), ln.order_id, 1, m.merchant_id, "no_reason_7day", requested,
                            p["decision"], ln.amount())
            self._emit_refund(r, ln, ends)
            if ev.edge:
                self.edges.append((ev.edge, "refunds", r.refund_id))
                if p["exempt"]:
                    self.edges.append((ev.edge, "orders", f"{ln.order_id}:1"))
        elif ev.kind in ("late_refund", "refund_edge"):
            ln = self._planned_line(rng, ctx, m, exempt=False)
            r = make_refund(rng, ctx.next_refund_id(), ln.order_id, 1, m.merchant_id, "no_reason_7day",
                            ln.delivered + cmp.hours(rng, 20, 60), "approved", ln.amount(),
                            days_to_refund=p["days_late"])
            self._emit_refund(r, ln, ends)
            if ev.edge:
                self.edges.append((ev.edge, "refunds", r.refund_id))
        elif ev.kind == "complaint":
            ln = self._planned_line(rng, ctx, m)
            cid = ctx.next_complaint_id()
            if p["substantiated"]:
                c = cmp.substantiated(rng, cid, ln.order_id, m.merchant_id, ln.consumer_id, ln.delivered,
                                      p["issue_code"], ln.amount(), planted=True)
            else:
                c = cmp.unsubstantiated(rng, cid, ln.order_id, m.merchant_id, ln.consumer_id,
                                        ln.delivered - timedelta(hours=2), p["issue_code"])
            self._emit_complaint(c)
        elif ev.kind == "complaint_edge":
            ln = self._planned_line(rng, ctx, m)
            self._edge_complaint(rng, ctx, m, ln, ev)
        elif ev.kind == "order":
            ln = self._planned_line(rng, ctx, m)
        else:  # pragma: no cover - a typo in the plan must fail loudly
            raise ValueError(f"unknown planned event kind {ev.kind!r}")
        self._emit_lines([ln], ends)

    def _edge_complaint(self, rng, ctx, m: Merchant, ln: Line, ev: PlannedEvent) -> None:
        mode, cid = ev.params["mode"], ctx.next_complaint_id()
        if mode == "exact24h":
            received = ln.delivered + timedelta(hours=5)
            received = received.replace(microsecond=0)
            c = cmp.Complaint(cid, ln.order_id, m.merchant_id, ln.consumer_id, "in_app", "late_delivery", received,
                              received + timedelta(hours=24), None, received + timedelta(days=3), "rejected",
                              "rejected", False, None, None, 3, "物流显示已签收，但我没有收到包裹。")
        elif mode == "pending":
            received = ev.params["received_at"]
            c = cmp.Complaint(cid, ln.order_id, m.merchant_id, ln.consumer_id, "hotline", "other", received,
                              None, None, None, None, description="客服电话一直占线，要求尽快回复。")
        else:
            text = {"script": cmp.SCRIPT_DESCRIPTION, "hyperlink": cmp.FORMULA_DESCRIPTION,
                    "multiline": cmp.MULTILINE_DESCRIPTION}[mode]
            received = ev.params.get("received_at") or ln.delivered + timedelta(hours=30)
            c = cmp.Complaint(cid, ln.order_id, m.merchant_id, ln.consumer_id, "in_app", "not_as_described",
                              received, received + timedelta(hours=2), received + timedelta(hours=3),
                              received + timedelta(days=2), "rejected", "rejected", False, description=text)
        self._emit_complaint(c)
        self.edges.append((ev.edge, "complaints", cid))


class _DayCtx:
    """Id sequences of one day: ids encode the order day, so they are unique and stable per seed."""

    def __init__(self, day: date):
        self.day = day
        self.start = day_start(day)
        self._tag = day.strftime("%Y%m%d")
        self._o = self._c = self._r = 0

    def next_order_id(self) -> str:
        self._o += 1
        return f"O{self._tag}{self._o:06d}"

    def next_complaint_id(self) -> str:
        self._c += 1
        return f"C{self._tag}{self._c:05d}"

    def next_refund_id(self) -> str:
        self._r += 1
        return f"R{self._tag}{self._r:05d}"
