"""Labels in both languages and the one place free text is made safe for a regulator file."""

from __future__ import annotations

import re
import unicodedata

from dagster_project.reports.cell_safety import neutralise_cell

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_BREAKS = re.compile(r"[\r\n\t]+")


def clean_text(value: object) -> str:
    """Free text as one printable line: control characters dropped, line breaks and tabs to spaces."""
    text = unicodedata.normalize("NFC", str(value))
    text = _BREAKS.sub(" ", text)
    return _CONTROL.sub("", text).strip()


def cell_text(value: object) -> str:
    """Free text for a spreadsheet or CSV cell: never a formula (a leading = + - @ gets a ')."""
    return neutralise_cell(clean_text(value))


RIGHT_NAMES: dict[str, tuple[str, str]] = {
    "information": ("知情权", "Right to information"),
    "choice": ("自主选择权", "Right of choice"),
    "fair_trade": ("公平交易权", "Right to fair trade"),
    "safety": ("安全权", "Right to safety"),
    "privacy": ("个人信息权", "Right to privacy"),
    "returns": ("退换货权", "Right of return"),
    "reviews": ("评价权", "Right to review"),
    "compensation": ("求偿权", "Right to compensation"),
}

OPERATOR_WORDS = {">=": "≥", "<=": "≤", "<": "<", "=": "=", "monitor": "—"}


def right_name(code: str | None, lang: str) -> str:
    if code is None:
        return ""
    zh, en = RIGHT_NAMES.get(code, (code, code))
    return pick(lang, zh, en)


def pick(lang: str, zh: str, en: str) -> str:
    """The label for a language; ``both`` gives 'zh / en'."""
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return zh if zh == en else f"{zh} / {en}"


def yes_no(value: bool | None, lang: str) -> str:
    if value is None:
        return ""
    return pick(lang, "是", "yes") if value else pick(lang, "否", "no")
