"""GB 32100-2015 unified social credit code (统一社会信用代码) check.

The business licence number is the one identifier a regulator uses to find a merchant in the
national enterprise credit system, so a code whose check character is wrong cannot be traced and
is a hard-rule failure (``license_check_failed``). The same algorithm exists here twice: as Python
(for tests, tools, one-off checks) and as a DuckDB SQL expression (so ingestion checks millions of
rows vectorised). The tests keep the two in agreement.
"""

from __future__ import annotations

# 31 characters: digits and upper-case letters without I, O, S, V, Z.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
USCC_REGEX = "[0-9A-HJ-NPQRTUWXY]{18}"


def check_character(first17: str) -> str:
    """Check character for the first 17 characters: value = (31 - sum(w*v) mod 31) mod 31."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError("need 17 characters from the GB 32100 charset")
    total = sum(w * _VALUE[ch] for w, ch in zip(WEIGHTS, first17, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str | None) -> bool:
    """True when ``code`` is 18 charset characters and its last one is the correct check character.

    No normalisation (case folding, trimming): a code is checked exactly as delivered.
    """
    if code is None or len(code) != 18 or any(ch not in _VALUE for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def uscc_valid_sql(expr: str) -> str:
    """DuckDB boolean expression, true when ``expr`` (a VARCHAR SQL expression) is a valid code."""
    charset = f"'{CHARSET}'"
    terms = " + ".join(
        f"{w} * (strpos({charset}, substr({expr}, {i + 1}, 1)) - 1)" for i, w in enumerate(WEIGHTS)
    )
    return (
        f"(regexp_full_match({expr}, '{USCC_REGEX}') AND "
        f"substr({expr}, 18, 1) = substr({charset}, ((31 - ({terms}) % 31) % 31) + 1, 1))"
    )
