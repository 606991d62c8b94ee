"""The committed dbt sources must be exactly what the contract renders to (no hand edits, no drift)."""

from __future__ import annotations

import json
import re

import yaml

from dagster_project.contract import load_contract
from dagster_project.contract.dbt_sources import (
    CONTRACT_SOURCES_MACRO_PATH,
    META_SOURCES_PATH,
    PLATFORM_SOURCES_PATH,
    rendered_files,
)
from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.warehouse.work_db import META_TABLES


def test_committed_sources_equal_fresh_render():
    for path, text in rendered_files().items():
        assert path.exists(), f"{path} missing: run python -m dagster_project.contract.dbt_sources"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} differs from the contract: run python -m dagster_project.contract.dbt_sources"
        )


def _tables(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    (source,) = doc["sources"]
    return source, {t["name"]: t for t in source["tables"]}


def test_platform_source_matches_contract_columns_types_and_rules():
    contract = load_contract()
    source, tables = _tables(PLATFORM_SOURCES_PATH)
    assert (source["name"], source["schema"]) == ("platform", "raw")
    assert set(tables) == set(contract.sources)
    for name, spec in contract.sources.items():
        cols = {c["name"]: c for c in tables[name]["columns"]}
        # Contract columns in contract order with their pseudonym names, then the metadata columns.
        assert [c["name"] for c in tables[name]["columns"]] == [n for n, _ in spec.raw_columns()]
        for col in spec.columns:
            entry = cols[col.stored_name]
            assert entry["description"]
            assert entry["data_type"] == col.sql_type.lower()
            tests = {next(iter(t)): t[next(iter(t))] for t in entry.get("data_tests", [])}
            assert ("not_null" in tests) == col.required, (name, col.name)
            if col.values:
                assert tests["accepted_values"]["arguments"]["values"] == list(col.values)
            else:
                assert "accepted_values" not in tests
            for test in tests.values():
                assert test["config"]["severity"] in ("error", "warn")
        # Clear personal data must never appear as a source column.
        for col in spec.pii_columns:
            assert col.name not in cols


def test_meta_source_matches_warehouse_tables():
    source, tables = _tables(META_SOURCES_PATH)
    assert (source["name"], source["schema"]) == ("pipeline_meta", "meta")
    assert set(tables) == set(META_TABLES)
    for name, columns in META_TABLES.items():
        assert [(c["name"], c["data_type"]) for c in tables[name]["columns"]] == [
            (n, t.lower()) for n, t in columns
        ]


# Models that build one ref per contract source: they loop over rw_contract_sources(), never a typed list.
PER_SOURCE_MODELS = [
    DBT_PROJECT_DIR / "models" / "marts" / "dq" / "dq_row_flags.sql",
    DBT_PROJECT_DIR / "models" / "marts" / "dq" / "dq_file_reconciliation.sql",
    DBT_PROJECT_DIR / "macros" / "kpi" / "kpi_touched_months.sql",
]


def test_contract_sources_macro_lists_every_source_and_key():
    text = CONTRACT_SOURCES_MACRO_PATH.read_text(encoding="utf-8")
    listed = json.loads(re.search(r"return\((\[.*\])\)", text).group(1))
    contract = load_contract()
    assert listed == [{"name": s.name, "key": list(s.key)} for s in contract.sources.values()]


def test_per_source_models_take_sources_and_keys_from_the_contract():
    contract = load_contract()
    for path in PER_SOURCE_MODELS:
        sql = path.read_text(encoding="utf-8")
        assert "rw_contract_sources()" in sql, path.name
        # no hand-typed list of the sources, nor a source paired with its key
        for source in contract.sources.values():
            assert not re.search(rf"\[\s*'{source.name}'\s*,", sql), (path.name, source.name)
            assert not re.search(rf"\(\s*'{source.name}'\s*,\s*\[", sql), (path.name, source.name)
