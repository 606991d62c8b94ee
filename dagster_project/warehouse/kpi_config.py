"""The configuration a published build was made with, and the limits that headings name.

A limit such as the first-response deadline is a setting (``RW_CONFIG`` over the dbt vars), and
``marts.rpt_kpi_config`` records the value each build used. KPI names that state a limit
("投诉24小时首次响应率") are rendered by dbt from the vars in force
(``int_kpi__definitions``, macro ``kpi_limit_text``), so readers print the published names as they
stand; what is left here is reading the recorded values for headings and chart titles that name a
limit outside the dictionary. KPI codes never change. See docs/kpis.md.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

CONFIG_TABLE = "marts.rpt_kpi_config"
CONFIG_SQL = f"select var_name, value from {CONFIG_TABLE}"


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

