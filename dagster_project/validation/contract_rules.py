"""Expectations derived from the landing contract: what must hold for every row that was loaded.

Ingestion quarantines any row breaking a hard rule, so after loading these can only fail if
ingestion let something through. That is why they all carry severity ``error``: a failure here is a
pipeline bug, not a supplier quirk. They are generated, never hand-edited, so they cannot drift from
the contract (``expectations/*.json`` is rendered from this module).
"""

from __future__ import annotations

from dagster_project.contract import Column, SourceContract
from dagster_project.ingest.erasure_list import ERASED_MARKER

ERROR = "error"

# Pseudonyms are hex HMAC-SHA256 digests, or the erasure marker for an erased person (a new delivery
# for someone already erased loads the marker): anything else means a clear value slipped through.
PSEUDONYM_REGEX = rf"^([0-9a-f]{{64}}|{ERASED_MARKER})$"
# GB 32100-2015 charset and length (the check character itself is verified by ingestion).
USCC_REGEX = r"^[0-9A-HJ-NP-RTUW-Y]{18}$"

# pandas dtype names the DuckDB -> pandas read yields for each contract type (frames.py hands strings
# over as the nullable ``string`` dtype). Integer and boolean come as numpy dtypes when a delivery has
# no NULL in the column and as nullable extension dtypes when it has, so both spellings are accepted.
# A raw column of the wrong DuckDB type therefore reaches GX with the wrong dtype and fails.
PANDAS_TYPES: dict[str, list[str]] = {
    "string": ["StringDtype"],
    "enum": ["StringDtype"],
    "integer": ["int64", "Int64Dtype"],
    "decimal": ["float64"],
    "timestamp": ["datetime64[us]"],
    "date": ["datetime64[us]"],
    "boolean": ["bool", "BooleanDtype"],
}


def _expectation(kind: str, check: str, rule: str, **kwargs: object) -> dict:
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {"severity": ERROR, "check": check, "rule": rule},
    }


def column_expectations(col: Column) -> list[dict]:
    """The contract rules of one column, as GX expectation configurations on its stored name."""
    name = col.stored_name
    out = [
        _expectation(
            "expect_column_values_to_be_in_type_list",
            f"{name}.type",
            f"type: {col.type}",
            column=name,
            type_list=PANDAS_TYPES[col.type],
        )
    ]
    if col.required:
        out.append(
            _expectation("expect_column_values_to_not_be_null", f"{name}.required", "required", column=name)
        )
    if col.values is not None:
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                f"{name}.enum",
                "enum",
                column=name,
                value_set=list(col.values),
            )
        )
    low = col.min if col.min is not None else col.min_exclusive
    if low is not None or col.max is not None:
        bounds: dict[str, object] = {}
        rules = []
        if low is not None:
            bounds["min_value"] = low
            if col.min_exclusive is not None:
                bounds["strict_min"] = True
                rules.append(f"> {col.min_exclusive:g}")
            else:
                rules.append(f">= {col.min:g}")
        if col.max is not None:
            bounds["max_value"] = col.max
            rules.append(f"<= {col.max:g}")
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                f"{name}.domain",
                "domain: " + " and ".join(rules),
                column=name,
                **bounds,
            )
        )
    if col.pii:
        out.append(
            _expectation(
                "expect_column_values_to_match_regex",
                f"{name}.pseudonymised",
                f"pii: {col.name} stored only as a keyed hash",
                column=name,
                regex=PSEUDONYM_REGEX,
            )
        )
    if col.check == "uscc":
        out.append(
            _expectation(
                "expect_column_values_to_match_regex",
                f"{name}.uscc_format",
                "check: uscc (charset and length)",
                column=name,
                regex=USCC_REGEX,
            )
        )
    return out


def contract_expectations(source: SourceContract) -> list[dict]:
    """Every contract-derived expectation of a source: column rules in contract order, then the key."""
    out = [e for col in source.columns for e in column_expectations(col)]
    key = [source.column(k).stored_name for k in source.key] + [source.version_column]
    out.append(
        _expectation(
            "expect_compound_columns_to_be_unique",
            "version_key.unique",
            f"one row per ({', '.join(key)}) in a delivery",
            column_list=key,
        )
    )
    return out
