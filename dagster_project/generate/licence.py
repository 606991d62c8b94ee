"""GB 32100-2015 unified social credit codes (统一社会信用代码).

The generator needs valid codes for honest merchants and one deliberately broken code per planted
``license_check_failed`` row, so the check lives here once and the tests pin it against known codes.

A code is 18 characters: registration authority (1), organisation category (1), administrative
region (6), organisation code (9, itself GB 11714 with its own check digit) and the check
character (1). Only the last check is what the landing contract requires; the GB 11714 digit is
computed too so the codes look like real ones.
"""

from __future__ import annotations

import random

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(body17: str) -> str:
    """The 18th character for a 17-character body: (31 − Σ wᵢ·vᵢ mod 31) mod 31, as a charset symbol."""
    if len(body17) != 17:
        raise ValueError(f"USCC body must have 17 characters, got {len(body17)}")
    try:
        total = sum(w * _VALUE[ch] for w, ch in zip(USCC_WEIGHTS, body17, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the USCC charset") from None
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_uscc(body17: str) -> str:
    """Append the check character to a 17-character body."""
    body17 = body17.upper()
    return body17 + uscc_check_char(body17)


def uscc_is_valid(code: object) -> bool:
    """True when ``code`` is an 18-character code over the charset whose last character checks."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(ch not in _VALUE for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def _org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 digits and their mod-11 check digit (10 → X, 11 → 0)."""
    digits = [rng.randrange(10) for _ in range(8)]
    check = 11 - sum(w * d for w, d in zip(_ORG_WEIGHTS, digits, strict=True)) % 11
    check_ch = {10: "X", 11: "0"}.get(check, str(check))
    return "".join(map(str, digits)) + check_ch


def random_uscc(rng: random.Random, region_code: str, individual: bool = False) -> str:
    """A valid code for a company (``91``) or an individual business (``92``) in ``region_code``."""
    return make_uscc(("92" if individual else "91") + region_code + _org_code(rng))


def corrupt_uscc(code: str) -> str:
    """The same code with a wrong check character: what a typo in the licence number looks like."""
    wrong = USCC_CHARSET[(_VALUE[code[17]] + 7) % 31]
    return code[:17] + wrong
