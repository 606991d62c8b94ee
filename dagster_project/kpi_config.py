"""The configuration a published build was made with, and the KPI labels that name its limits.

A limit such as the first-response deadline is a setting (``RW_CONFIG`` over the dbt vars), and
``marts.rpt_kpi_config`` records the value each build used. Some KPI names state such a limit
("投诉24小时首次响应率", "Refunds later than 15 days"): a reader that printed the dictionary's
words as they stand would say 24 h while the figure was computed with 12 h. So every label that
names a limit is rendered here, from the recorded value, for the dashboards and the reports alike.

The dictionary's own name is the template: the number written before the limit's unit word is
the placeholder. KPI codes never change (they are the dictionary's keys, e.g.
``complaint_first_response_24h_rate`` stays so whatever the limit). See docs/kpis.md.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

CONFIG_TABLE = "marts.rpt_kpi_config"
CONFIG_SQL = f"select var_name, value from {CONFIG_TABLE}"

# KPI code -> the var holding the limit its name states.
LIMIT_VARS: dict[str, str] = {
    "complaint_first_response_24h_rate": "rw_first_response_hours",
    "complaint_verified_24h_rate": "rw_verify_hours",
    "refund_within_7d_rate": "rw_refund_days",
    "refund_over_15d_count": "rw_refund_penalty_days",
    "nrr_refusal_rate": "rw_nrr_days",
}

# A number directly followed by a duration word, in either language: the placeholder in a name.
_LIMIT_NUMBER = re.compile(
    r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十]+)(?=\s*(?:小时|日|天|h\b|-?hours?\b|-?days?\b|-day\b))"
)
_CHINESE_NUMERALS = dict(zip("一二三四五六七八九十", [str(n) for n in range(1, 11)], strict=True))


def parse_config(rows: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    """(var_name, value as text) rows of rpt_kpi_config → name → value (JSON values decoded)."""
    out: dict[str, Any] = {}
    for name, value in rows:
        if isinstance(value, str) and value[:1] in '[{"0123456789-tfn':
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[str(name)] = value
    return dict(sorted(out.items()))


def format_limit(value: Any) -> str:
    """12 → "12", 12.0 → "12", 1.5 → "1.5"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def limit(config: Mapping[str, Any], var_name: str) -> str | None:
    """The value in force of one limit var, formatted for a label (None when not recorded)."""
    value = config.get(var_name)
    return None if value is None else format_limit(value)


def kpi_label(code: str, name: str, config: Mapping[str, Any]) -> str:
    """The dictionary's name of ``code`` with the limit it states set to the value in force."""
    var_name = LIMIT_VARS.get(code)
    value = limit(config, var_name) if var_name else None
    if value is None or not name:
        return name
    written = _LIMIT_NUMBER.search(name)
    if written is None or _CHINESE_NUMERALS.get(written.group(), written.group()) == value:
        return name  # already says the value in force (e.g. 七日 with the default 7 days)
    return name[:written.start()] + value + name[written.end():]
