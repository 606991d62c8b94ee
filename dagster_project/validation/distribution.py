"""Distribution checks (severity ``warn``) from ``distribution_checks.yml``, resolved against the contract.

The YAML names columns by their contract names so it reads like the spec; this module maps them to
stored names (``consumer_id`` -> ``consumer_key``), expands ``value_set: contract`` to the enum values
turns ``when`` into a GX row condition and keeps ``min_rows`` in the meta (the runner skips a
statistical check on a delivery too small for it to mean anything). Unknown columns fail loudly at render time, so a contract
change that removes a column cannot leave a silently dead check behind.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from dagster_project.contract import SOURCES, SourceContract

WARN = "warn"
CHECKS_PATH = Path(__file__).with_name("distribution_checks.yml")
_COLUMN_ARGS = ("column", "column_A", "column_B")


@cache
def _load(path: Path = CHECKS_PATH) -> dict[str, list[dict]]:
    checks = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(checks) - {"all", *SOURCES}
    if unknown:
        raise ValueError(f"{path.name}: unknown sources {sorted(unknown)}")
    return checks


def _stored(source: SourceContract, name: str) -> str:
    try:
        return source.column(name).stored_name
    except KeyError:
        raise ValueError(f"{CHECKS_PATH.name}: {source.name} has no contract column {name!r}") from None


def _resolve(source: SourceContract, entry: dict) -> dict:
    kwargs = dict(entry.get("kwargs") or {})
    for arg in _COLUMN_ARGS:
        if arg in kwargs:
            kwargs[arg] = _stored(source, kwargs[arg])
    if kwargs.get("value_set") == "contract":
        values = source.column(entry["kwargs"]["column"]).values
        if values is None:
            raise ValueError(f"{entry['check']}: value_set: contract on a column without enum values")
        kwargs["value_set"] = list(values)
    when = entry.get("when")
    if when:
        # Serialised form of GX's ComparisonCondition (Column(name).is_in(values)).
        kwargs["row_condition"] = {
            "type": "comparison",
            "column": {"name": _stored(source, when["column"])},
            "operator": "IN",
            "parameter": list(when["in"]),
        }
    meta = {"severity": WARN, "check": entry["check"], "rule": entry["why"]}
    if entry.get("min_rows"):
        meta["min_rows"] = int(entry["min_rows"])
    return {"type": entry["expectation"], "kwargs": kwargs, "meta": meta}


def distribution_expectations(source: SourceContract) -> list[dict]:
    """The warn-level checks of a source: the ones for every source, then its own."""
    checks = _load()
    entries = list(checks.get("all") or []) + list(checks.get(source.name) or [])
    return [_resolve(source, e) for e in entries]
