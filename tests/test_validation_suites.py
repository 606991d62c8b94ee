"""The suite files: generated from the contract, committed, and split into error and warn checks."""

from __future__ import annotations

import json

import pytest

from dagster_project.contract import SOURCES, load_contract
from dagster_project.settings import EXPECTATIONS_DIR
from dagster_project.validation import distribution, render
from dagster_project.validation.contract_rules import PSEUDONYM_REGEX
from dagster_project.validation.suites import render_text


def _suite(source: str) -> dict:
    return json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))


def _find(suite: dict, kind: str, severity: str, **kwargs) -> list[dict]:
    return [
        e
        for e in suite["expectations"]
        if e["type"] == kind
        and e["meta"]["severity"] == severity
        and all(e["kwargs"].get(k) == v for k, v in kwargs.items())
    ]


@pytest.mark.parametrize("source", SOURCES)
def test_committed_suite_equals_a_fresh_render(source):
    committed = (EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8")
    assert committed == render_text(source), "run: python -m dagster_project.validation.render"


def test_render_check_reports_a_drifted_file(tmp_path):
    assert render.main(["--dir", str(tmp_path)]) == 0
    assert render.main(["--dir", str(tmp_path), "--check"]) == 0
    (tmp_path / "orders.json").write_text("{}", encoding="utf-8")
    assert render.main(["--dir", str(tmp_path), "--check"]) == 1
    assert (tmp_path / "orders.json").read_text(encoding="utf-8") == "{}"  # --check writes nothing


@pytest.mark.parametrize("source", SOURCES)
def test_every_contract_rule_is_an_error_expectation_on_the_stored_column(source):
    src = load_contract()[source]
    suite = _suite(source)
    for col in src.columns:
        name = col.stored_name
        assert len(_find(suite, "expect_column_values_to_be_in_type_list", "error", column=name)) == 1
        not_null = _find(suite, "expect_column_values_to_not_be_null", "error", column=name)
        assert len(not_null) == (1 if col.required else 0), name
        if col.values is not None:
            assert _find(
                suite, "expect_column_values_to_be_in_set", "error", column=name, value_set=list(col.values)
            )
        if col.min_exclusive is not None:
            assert _find(
                suite,
                "expect_column_values_to_be_between",
                "error",
                column=name,
                min_value=col.min_exclusive,
                strict_min=True,
            )
        if col.pii:
            assert name != col.name
            assert _find(
                suite, "expect_column_values_to_match_regex", "error", column=name, regex=PSEUDONYM_REGEX
            )
    key = [src.column(k).stored_name for k in src.key] + [src.version_column]
    assert _find(suite, "expect_compound_columns_to_be_unique", "error", column_list=key)
    # No expectation ever names a clear personal-data column: the suite runs on stored names.
    clear = {c.name for c in src.pii_columns}
    named = {e["kwargs"].get("column") for e in suite["expectations"]}
    assert not clear & named


def test_domain_rules_carry_their_bounds():
    satisfaction = _find(
        _suite("complaints"), "expect_column_values_to_be_between", "error", column="satisfaction"
    )
    assert satisfaction[0]["kwargs"] == {"column": "satisfaction", "min_value": 1.0, "max_value": 5.0}
    unit_price = _find(_suite("orders"), "expect_column_values_to_be_between", "error", column="unit_price")
    assert "strict_min" not in unit_price[0]["kwargs"]


@pytest.mark.parametrize("source", SOURCES)
def test_severity_split_error_first_then_warn(source):
    suite = _suite(source)
    severities = [e["meta"]["severity"] for e in suite["expectations"]]
    assert set(severities) == {"error", "warn"}
    assert severities == sorted(severities)  # 'error' < 'warn': contract rules first
    # GX's own severity agrees, so GX renderers and Data Docs show the same split.
    assert all(
        e["severity"] == {"error": "critical", "warn": "warning"}[e["meta"]["severity"]]
        for e in suite["expectations"]
    )
    checks = [e["meta"]["check"] for e in suite["expectations"]]
    assert len(checks) == len(set(checks))
    warn = [e for e in suite["expectations"] if e["meta"]["severity"] == "warn"]
    assert warn[0]["type"] == "expect_table_row_count_to_be_between"


def test_distribution_checks_map_contract_names_and_values():
    complaints = _suite("complaints")
    (all_rights,) = _find(
        complaints, "expect_column_distinct_values_to_contain_set", "warn", column="right_category"
    )
    assert all_rights["kwargs"]["value_set"] == list(
        load_contract()["complaints"].column("right_category").values
    )
    (resolved,) = _find(complaints, "expect_column_values_to_not_be_null", "warn", column="resolved_at")
    assert resolved["kwargs"]["row_condition"]["parameter"] == ["resolved"]
    (typical,) = _find(_suite("orders"), "expect_column_values_to_be_between", "warn", column="quantity")
    assert typical["kwargs"]["mostly"] == 0.99


def test_a_distribution_check_on_an_unknown_column_fails_loudly():
    entry = {
        "check": "x",
        "expectation": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "nope"},
        "why": "-",
    }
    with pytest.raises(ValueError, match="no contract column 'nope'"):
        distribution._resolve(load_contract()["orders"], entry)
