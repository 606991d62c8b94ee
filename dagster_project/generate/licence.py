"""GB 32100-2015 unified social credit codes (统一社会信用代码).

The generator needs valid codes for honest merchants and one deliberately broken code per planted
``license_check_failed`` row. The check itself is ingestion's (dagster_project.ingest.uscc), so the
codes the generator calls valid are exactly those ingestion accepts.

A code is 18 characters: registration authority (1), organisation category (1), administrative
region (6), organisation code (9, itself GB 11714 with its own check digit) and the check
character (1). Only the last check is what the landing contract requires; the GB 11714 digit is
computed too so the codes look like real ones.
"""

from __future__ import annotations

import random

from dagster_project.ingest.uscc import CHARSET, check_character, is_valid_uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def make_uscc(body17: str) -> str:
    """Append the check character to a 17-character body."""
    body17 = body17.upper()
    return body17 + check_character(body17)


def uscc_is_valid(code: object) -> bool:
    """The ingestion check itself, so the generator's idea of a valid code cannot drift from it."""
    return isinstance(code, str) and is_valid_uscc(code)


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
    wrong = CHARSET[(CHARSET.index(code[17]) + 7) % 31]
    return code[:17] + wrong
