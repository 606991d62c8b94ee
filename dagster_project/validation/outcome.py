"""What a suite run says, in our terms: one ``ExpectationOutcome`` per expectation, one ``SuiteOutcome``.

The GX result objects are large and version-specific; callers (Dagster asset checks, the CLI, the
data-quality marts) only need these few fields. ``details`` is JSON-ready and never carries values
of pseudonymised columns: if a clear phone number slipped into ``consumer_phone_key``, repeating it
in ``meta.gx_results`` (published as ``marts.dq_gx_results``) would leak it a second time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from dataclasses import dataclass, field

from dagster_project.contract import load_contract

PARTIAL_VALUES = 5  # unexpected sample values kept in details
MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # GX expectation type, e.g. expect_column_values_to_be_in_set
    column: str | None  # stored column, or comma-joined columns, or None for table-level
    severity: str  # 'error' | 'warn'
    success: bool
    element_count: int | None
    unexpected_count: int | None
    details: dict = field(default_factory=dict)

    @property
    def check(self) -> str | None:
        return self.details.get("check")


@dataclass(frozen=True)
class SuiteOutcome:
    source: str
    delivery_date: dt.date
    suite: str
    success: bool  # no failed 'error' expectation
    evaluated: int
    failed_errors: int
    failed_warnings: int
    results: list[ExpectationOutcome]
    row_count: int = 0
    skipped: tuple[str, ...] = ()  # statistical checks not run: the delivery has fewer rows than min_rows

    def failures(self, severity: str | None = None) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success and severity in (None, r.severity)]

    def summary(self) -> str:
        return (
            f"{self.suite} {self.delivery_date}: {'passed' if self.success else 'FAILED'} "
            f"({self.evaluated} expectations, {self.failed_errors} error(s), "
            f"{self.failed_warnings} warning(s), {len(self.skipped)} skipped, {self.row_count} rows)"
        )


def _plain(value):
    """JSON-safe scalar: numpy numbers to Python, NaN/NaT to None, dates and others to text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    text = str(value)
    if text in ("NaT", "nan", "<NA>"):
        return None
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _column_of(kwargs: dict) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return None


def _pseudonym_columns(source: str) -> set[str]:
    return {c.stored_name for c in load_contract()[source].pii_columns}


def from_gx(source: str, gx_result, row_count: int) -> ExpectationOutcome:
    """Map one GX ExpectationValidationResult."""
    config = gx_result.expectation_config
    kwargs = dict(config.kwargs)
    meta = config.meta or {}
    result = gx_result.result or {}
    column = _column_of(kwargs)
    details: dict = {"check": meta.get("check"), "rule": meta.get("rule")}
    args = {k: _plain(v) for k, v in kwargs.items() if k not in ("column", "column_list", "batch_id")}
    if "row_condition" in kwargs and kwargs["row_condition"] is not None:
        args["row_condition"] = repr(kwargs["row_condition"])
    details["kwargs"] = args
    for key in ("observed_value", "unexpected_percent", "missing_count"):
        if key in result:
            details[key] = _plain(result[key])
    sample = result.get("partial_unexpected_list")
    if sample:
        if set((column or "").split(",")) & _pseudonym_columns(source):
            details["unexpected_sample"] = "withheld: pseudonymised column"
        else:
            details["unexpected_sample"] = [_plain(v) for v in sample[:PARTIAL_VALUES]]
    info = gx_result.exception_info or {}
    if info.get("raised_exception"):
        details["exception"] = _plain(info.get("exception_message"))
    element_count = result.get("element_count", row_count)
    unexpected = result.get("unexpected_count")
    return ExpectationOutcome(
        expectation=config.type,
        column=column,
        severity=meta.get("severity", "error"),
        success=bool(gx_result.success),
        element_count=None if element_count is None else int(element_count),
        unexpected_count=None if unexpected is None else int(unexpected),
        details=details,
    )


def combined(parts: list[ExpectationOutcome]) -> ExpectationOutcome:
    """One expectation over a delivery validated in slices (run.SLICE_ROWS) or key parts (run.BY_KEY), as
    GX would have judged it on the whole: counts add up, ``unexpected_percent`` and a ``mostly`` threshold are
    computed from the totals with GX's own formulas, samples are the first ones in the parts' order (row
    order for slices; for key parts, part by part)."""
    first = parts[0]
    if len(parts) == 1:
        return first

    def total(values: list[int | None]) -> int | None:
        return None if any(v is None for v in values) else sum(values)

    element_count = total([p.element_count for p in parts])
    unexpected = total([p.unexpected_count for p in parts])
    details = dict(first.details)
    missing = total([p.details.get("missing_count") for p in parts]) if "missing_count" in details else None
    if missing is not None:
        details["missing_count"] = missing
    considered = None if element_count is None else element_count - (missing or 0)
    if "unexpected_percent" in details and unexpected is not None and element_count:
        details["unexpected_percent"] = (unexpected / considered * 100) if considered else None
    samples = [v for p in parts for v in (p.details.get("unexpected_sample") or [])]
    if any(isinstance(p.details.get("unexpected_sample"), str) for p in parts):
        details["unexpected_sample"] = "withheld: pseudonymised column"
    elif samples:
        details["unexpected_sample"] = samples[:PARTIAL_VALUES]
    failed = next((p for p in parts if not p.success), None)
    if failed is not None:  # what GX observed where it failed (a type list: the dtype it found)
        for key in ("observed_value", "exception"):
            if key in failed.details:
                details[key] = failed.details[key]
    mostly = (first.details.get("kwargs") or {}).get("mostly")
    if mostly is not None and unexpected is not None and considered is not None:
        # GX: vacuously true on no rows considered, else (considered - unexpected) / considered >= mostly
        success = considered == 0 or (float(considered) - float(unexpected)) / float(considered) >= mostly
    else:
        success = all(p.success for p in parts)
    return ExpectationOutcome(expectation=first.expectation, column=first.column, severity=first.severity,
                              success=success, element_count=element_count, unexpected_count=unexpected,
                              details=details)


def summarise(
    source: str,
    delivery_date: dt.date,
    suite: str,
    results: list[ExpectationOutcome],
    row_count: int,
    skipped: tuple[str, ...] = (),
) -> SuiteOutcome:
    failed_errors = sum(1 for r in results if not r.success and r.severity == "error")
    failed_warnings = sum(1 for r in results if not r.success and r.severity != "error")
    return SuiteOutcome(
        source=source,
        delivery_date=delivery_date,
        suite=suite,
        success=failed_errors == 0,
        evaluated=len(results),
        failed_errors=failed_errors,
        failed_warnings=failed_warnings,
        results=results,
        row_count=row_count,
        skipped=skipped,
    )
