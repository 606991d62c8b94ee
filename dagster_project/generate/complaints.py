"""Complaint records: a lifecycle of versions (open → in_progress → resolved/rejected/…) per complaint.

A complaint is created with all its future event times; the delivery router then asks for the
version as it stood at the end of each delivery window. Descriptions are realistic free text in
Chinese and English, including the awkward cases ingestion and the dashboards must survive: embedded
newlines, commas and quotes, HTML/script markup and a spreadsheet formula.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

RIGHT_CATEGORY = {
    "counterfeit": "fair_trade", "quality_defect": "safety", "not_as_described": "information",
    "price_fraud": "fair_trade", "fake_discount": "fair_trade", "forced_bundling": "choice",
    "refund_refused": "returns", "refund_late": "returns", "late_delivery": "compensation",
    "data_leak": "privacy", "review_removed": "reviews", "licence_missing": "information", "other": "compensation",
}
QUALITY_CODES = ("quality_defect", "counterfeit", "not_as_described")
SCRIPT_DESCRIPTION = '商品详情页有问题，我复制了页面内容：<script>alert(1)</script> 请平台核实。'
FORMULA_DESCRIPTION = '=HYPERLINK("http://evil.example","点我")'
MULTILINE_DESCRIPTION = ('页面写"正品保证, 假一赔十"，收到的却是仿品,\n客服回复："不退不换"。\n'
                         'Second paragraph, in English: the seller said "final sale", which is not allowed.')

_DESCRIPTIONS = {
    "counterfeit": ("收到的是假货，防伪码查询无效，和专柜正品对比差别明显。",
                    "Received a counterfeit item: the serial number does not exist on the brand's site."),
    "quality_defect": ("用了两天就坏了，开关失灵，要求退货退款。", "商品有明显质量问题，拉链断裂，线头很多。",
                       "The product stopped working after 3 days.\nI want a refund."),
    "not_as_described": ("实物与页面描述不符：页面写的是纯棉，实际是涤纶。",
                         '页面写"买一送一"，收到只有一件，客服说"活动已结束"。'),
    "price_fraud": ("先涨价后打折，所谓原价从来没卖过。", "活动前一天价格是89元，活动当天\"原价\"标299元，折后还是89元。"),
    "fake_discount": ("虚假折扣，划线价是虚构的。", "Fake discount: the crossed-out price was never charged."),
    "forced_bundling": ("下单时被默认勾选了运费险和会员，无法取消。",),
    "refund_refused": ("七天无理由退货被拒绝，商家说拆封不退，但商品不属于例外情形。",),
    "refund_late": ("退货已签收10天，还没有退款。", "Return delivered to the seller two weeks ago, still no refund."),
    "late_delivery": ("承诺48小时发货，5天了还没发货。", "物流停滞一周, 客服一直说\"在路上\", 无法处理。"),
    "data_leak": ("下单后第二天就接到自称客服的诈骗电话，对方知道我的姓名、电话和订单号。",),
    "review_removed": ("我写的差评被删除了，商家还打电话要求我改好评。",),
    "licence_missing": ("店铺没有公示营业执照信息。",),
    "other": ("客服态度差，多次联系不回复。", "Customer service never answered,\nso I am filing here, again.",
              "发票一直不开, 催了三次。"),
}


def description(rng: random.Random, issue_code: str) -> str | None:
    if rng.random() < 0.12:
        return None
    text = rng.choice(_DESCRIPTIONS.get(issue_code, _DESCRIPTIONS["other"]))
    if rng.random() < 0.05:  # a long rambling complaint, several paragraphs
        text = text + "\n\n" + "；".join(["补充说明：已多次联系商家未果"] * 8) + "。\n谢谢！"
    return text


class Complaint:
    """One complaint and all its (future) events, local times. Final status is reached at ``final_at``."""

    __slots__ = ("complaint_id", "order_id", "merchant_id", "consumer_id", "channel", "right_category",
                 "issue_code", "received", "first_response", "verified", "final_at", "final_status", "outcome",
                 "substantiated", "compensation", "advance", "satisfaction", "description", "events")

    def __init__(self, complaint_id: str, order_id: str | None, merchant_id: str, consumer_id: str, channel: str,
                 issue_code: str, received: datetime, first_response: datetime | None, verified: datetime | None,
                 final_at: datetime | None, final_status: str | None, outcome: str | None = None,
                 substantiated: bool | None = None, compensation: int | None = None,
                 advance: bool | None = None, satisfaction: int | None = None, description: str | None = None):
        self.complaint_id, self.order_id, self.merchant_id = complaint_id, order_id, merchant_id
        self.consumer_id, self.channel, self.issue_code = consumer_id, channel, issue_code
        self.right_category = RIGHT_CATEGORY.get(issue_code, "compensation")
        self.received, self.first_response, self.verified = received, first_response, verified
        self.final_at, self.final_status, self.outcome = final_at, final_status, outcome
        self.substantiated, self.compensation, self.advance = substantiated, compensation, advance
        self.satisfaction, self.description = satisfaction, description
        ev = [(received, "open")]
        if first_response is not None:
            ev.append((first_response, "in_progress"))
        if verified is not None:
            ev.append((verified, "in_progress"))
        if final_at is not None:
            ev.append((final_at, final_status))
        self.events = ev

    def event_times(self) -> list[datetime]:
        return [t for t, _ in self.events]

    def row(self, i: int) -> dict:
        at, status = self.events[i]
        final = self.final_at is not None and i == len(self.events) - 1
        fs = self.final_status
        return {
            "complaint_id": self.complaint_id, "order_id": self.order_id, "merchant_id": self.merchant_id,
            "consumer_id": self.consumer_id, "channel": self.channel, "right_category": self.right_category,
            "issue_code": self.issue_code, "received_at": self.received,
            "first_response_at": self.first_response if self.first_response and self.first_response <= at else None,
            "verified_at": self.verified if self.verified and self.verified <= at else None,
            "resolved_at": self.final_at if final and fs in ("resolved", "rejected") else None,
            "status": status,
            "outcome": self.outcome if final else None,
            "substantiated": self.substantiated if final else None,
            "compensation_amount": self.compensation if final else None,
            "advance_compensation": self.advance if final else None,
            "escalated_at": self.final_at if final and fs == "escalated" else None,
            "satisfaction": self.satisfaction if final else None,
            "description": self.description,
            "updated_at": at,
        }


_CHANNELS = ("in_app", "hotline", "email", "social_media", "regulator_transfer")
_CHANNEL_W = (60, 15, 8, 10, 7)
_BG_CODES = ("late_delivery", "quality_defect", "not_as_described", "other", "refund_late", "forced_bundling",
             "counterfeit", "price_fraud", "data_leak", "review_removed", "licence_missing", "refund_refused")
_BG_CODE_W = (22, 18, 14, 16, 6, 5, 4, 4, 3, 3, 2, 3)


def hours(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(seconds=int(rng.uniform(lo, hi) * 3600))


def unsubstantiated(rng: random.Random, cid: str, order_id: str | None, merchant_id: str, consumer_id: str,
                    base: datetime, issue_code: str | None = None) -> Complaint:
    """An everyday complaint that is not upheld (rejected, resolved without fault, withdrawn or escalated).

    These never count as evidence: background merchants must stay at tier 0 whatever their volume.
    """
    code = issue_code or rng.choices(_BG_CODES, _BG_CODE_W)[0]
    received = base + hours(rng, 3, 140)
    late_answer = rng.random() < 0.04
    first = received + (hours(rng, 25, 60) if late_answer else hours(rng, 0.3, 20))
    verified = first + hours(rng, 0.5, 3) if code in QUALITY_CODES else None
    r = rng.random()
    final_at = received + hours(rng, 20, 220)
    if r < 0.45:
        status, outcome = "resolved", rng.choice(("none", "replacement", "repair"))
    elif r < 0.75:
        status, outcome = "rejected", "rejected"
    elif r < 0.9:
        status, outcome = "withdrawn", "none"
    else:
        status, outcome = "escalated", None
    return Complaint(cid, order_id, merchant_id, consumer_id, rng.choices(_CHANNELS, _CHANNEL_W)[0], code,
                     received, first, verified, final_at, status, outcome, False, None, None,
                     rng.randint(1, 5) if rng.random() < 0.6 and status != "escalated" else None,
                     description(rng, code))


def substantiated(rng: random.Random, cid: str, order_id: str | None, merchant_id: str, consumer_id: str,
                  base: datetime, issue_code: str, paid_cents: int, planted: bool = False) -> Complaint:
    """A complaint found justified and resolved: evidence for the violation scoring.

    Planted ones resolve within 1.5–3 days of receipt so that every planted fact is final by the
    cut-off; verification happens within 24 h as the platform's own rule asks.
    """
    received = base + (hours(rng, 6, 30) if planted else hours(rng, 3, 100))
    first = received + hours(rng, 0.5, 10)
    verified = first + hours(rng, 0.5, 6)
    final_at = received + hours(rng, 36, 72)
    if issue_code in ("counterfeit", "price_fraud", "fake_discount"):
        outcome, comp = "compensation", max(3 * paid_cents, 50000)  # CPL Art. 55: 3× price, at least ¥500
    elif issue_code in ("data_leak", "review_removed"):
        outcome, comp = "compensation", rng.choice((5000, 10000, 20000))
    else:
        outcome, comp = rng.choice(("refund", "replacement", "repair")), None
    return Complaint(cid, order_id, merchant_id, consumer_id, rng.choices(_CHANNELS, _CHANNEL_W)[0], issue_code,
                     received, first, verified, final_at, "resolved", outcome, True, comp,
                     (rng.random() < 0.3) if comp else None, rng.randint(2, 5), description(rng, issue_code))
