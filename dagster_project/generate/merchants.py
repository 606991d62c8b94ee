"""The merchant roster: Chinese shop names, categories, regions, licences, SKUs and volume weights.

Every merchant is either a *pattern* merchant (its behaviour is planted and its expected tier is in
the truth file, see :mod:`.patterns`) or a *background* merchant (ordinary honest trade that must
stay at tier 0). Which merchant id gets which role is shuffled by the seed, so a scorer cannot learn
the ids; the roles themselves are the same for every seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .licence import random_uscc

CATEGORIES = ("服装", "数码", "食品", "美妆", "家居", "母婴", "运动户外", "图书")

# city → (province-level region, region code for the licence)
CITIES = {
    "杭州": ("浙江省", "330100"), "宁波": ("浙江省", "330200"), "义乌": ("浙江省", "330782"),
    "深圳": ("广东省", "440300"), "广州": ("广东省", "440100"), "东莞": ("广东省", "441900"),
    "北京": ("北京市", "110105"), "上海": ("上海市", "310115"), "苏州": ("江苏省", "320500"),
    "南京": ("江苏省", "320100"), "成都": ("四川省", "510100"), "武汉": ("湖北省", "420100"),
    "厦门": ("福建省", "350200"), "福州": ("福建省", "350100"), "长沙": ("湖南省", "430100"),
    "西安": ("陕西省", "610100"), "重庆": ("重庆市", "500000"), "青岛": ("山东省", "370200"),
    "郑州": ("河南省", "410100"), "合肥": ("安徽省", "340100"),
}
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
    "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)
# Where buyers live: the populous coastal provinces first, so ship_to_region looks like real traffic.
PROVINCE_WEIGHTS = tuple(
    8 if p in ("广东省", "浙江省", "江苏省", "山东省", "上海市", "北京市") else 3 if p in ("四川省", "河南省", "湖北省", "福建省") else 1
    for p in PROVINCES
)
_BRAND_WORDS = ("优品", "极客", "鲜果", "美颜", "乐享", "童趣", "锦绣", "星辰", "匠心", "悦动", "惠民",
                "好物", "臻选", "云裳", "禾香", "青木", "小鹿", "暖阳", "拾光", "百汇", "嘉禾", "启航")
_CATEGORY_WORDS = {
    "服装": ("服饰", "女装", "男装"), "数码": ("数码", "电子", "科技"), "食品": ("食品", "零食", "茶业"),
    "美妆": ("美妆", "护肤", "彩妆"), "家居": ("家居", "家纺", "厨具"), "母婴": ("母婴", "童装", "玩具"),
    "运动户外": ("运动", "户外", "体育"), "图书": ("书店", "文具", "图书"),
}
_SUFFIXES = ("旗舰店", "专营店", "专卖店", "官方店", "自营店", "小店")
# Unit price range per category, in cents.
PRICE_RANGE = {
    "服装": (3900, 59900), "数码": (9900, 699900), "食品": (990, 19900), "美妆": (2900, 89900),
    "家居": (1990, 129900), "母婴": (1990, 39900), "运动户外": (4900, 129900), "图书": (990, 12900),
}
_MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "157",
                    "158", "159", "166", "176", "177", "180", "181", "186", "187", "188", "189", "199")


def mobile_number(n: int) -> str:
    """A Chinese mobile number derived from an integer: the same person always gets the same number."""
    prefix = _MOBILE_PREFIXES[n % len(_MOBILE_PREFIXES)]
    return prefix + f"{(n * 7919 + 12345) % 100_000_000:08d}"


@dataclass
class Merchant:
    merchant_id: str
    name: str
    category: str
    region: str
    licence: str
    onboarded_at: datetime
    contact_phone: str
    weight: float
    skus: list[tuple[str, int]]
    licence_expires_on: date | None = None
    pattern: str | None = None
    expected_tier: int | None = None
    # Random daily orders only on [random_from, random_until]; planned events add more.
    random_from: date = date(2026, 4, 1)
    random_until: date | None = None
    # Extra versions delivered later: (updated_at, {column: new value}).
    changes: list[tuple[datetime, dict]] = field(default_factory=list)
    # Planted rate behaviour, e.g. {"defect_from": date, "defect_every": 20} (see patterns.py).
    rate_plan: dict = field(default_factory=dict)

    @property
    def is_pattern(self) -> bool:
        return self.pattern is not None

    def version_row(self, updated_at: datetime, overrides: dict | None = None) -> dict:
        row = {
            "merchant_id": self.merchant_id, "merchant_name": self.name,
            "business_license_no": self.licence, "license_expires_on": self.licence_expires_on,
            "category": self.category, "region": self.region, "onboarded_at": self.onboarded_at,
            "status": "active", "contact_phone": self.contact_phone, "updated_at": updated_at,
        }
        if overrides:
            row.update(overrides)
        return row

    def versions(self) -> list[dict]:
        """All versions in time order: the onboarding one, then each planned change."""
        rows = [self.version_row(self.onboarded_at)]
        current: dict = {}
        for ts, change in sorted(self.changes, key=lambda c: c[0]):
            current = {**current, **change}
            rows.append(self.version_row(ts, current))
        return rows


def _unique_name(rng: random.Random, category: str, used: set[str]) -> tuple[str, str]:
    cities = sorted(CITIES)
    while True:
        city = rng.choice(cities)
        name = city + rng.choice(_BRAND_WORDS) + rng.choice(_CATEGORY_WORDS[category]) + rng.choice(_SUFFIXES)
        if name not in used:
            used.add(name)
            return name, city


def make_merchant(rng: random.Random, merchant_id: str, category: str, weight: float, used_names: set[str],
                  onboarded_on: date | None = None) -> Merchant:
    """A plausible merchant; ``onboarded_on`` defaults to some day in 2020–2025 (before the history)."""
    name, city = _unique_name(rng, category, used_names)
    region, region_code = CITIES[city]
    if onboarded_on is None:
        onboarded_on = date(2020, 1, 1) + timedelta(days=rng.randrange(6 * 365))
    onboarded_at = datetime.combine(onboarded_on, time(rng.randrange(9, 18), rng.randrange(60), rng.randrange(60)))
    lo, hi = PRICE_RANGE[category]
    skus = []
    for k in range(1, 21):
        price = rng.randrange(lo, hi)
        price = price - price % 100 + rng.choice((0, 0, 90, 99, 50))  # ¥xx.00, ¥xx.90, ¥xx.99, ¥xx.50
        skus.append((f"SKU-{merchant_id}-{k:03d}", price))
    expires = None
    if rng.random() < 0.35:  # a fixed-term licence, expiring well after the history
        expires = date(2027, 1, 1) + timedelta(days=rng.randrange(5 * 365))
    return Merchant(
        merchant_id=merchant_id, name=name, category=category, region=region,
        licence=random_uscc(rng, region_code, individual=name.endswith("小店")),
        onboarded_at=onboarded_at, contact_phone=mobile_number(rng.randrange(10**9)),
        weight=weight, skus=skus, licence_expires_on=expires,
    )
