"""Suites: the contract-derived and distribution expectations of a source, as files and as GX objects.

``expectations/<source>.json`` is what runs; it is rendered from the contract plus
``distribution_checks.yml`` and committed so a reviewer sees every rule change as a diff. A test
asserts the committed files equal a fresh render, so they cannot drift from the contract.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from dagster_project.contract import SOURCES, load_contract
from dagster_project.settings import EXPECTATIONS_DIR
from dagster_project.validation.contract_rules import contract_expectations
from dagster_project.validation.distribution import distribution_expectations

GENERATED_BY = "python -m dagster_project.validation.render"


def suite_name(source: str) -> str:
    return f"raw.{source}"


def suite_path(source: str, directory: Path = EXPECTATIONS_DIR) -> Path:
    return directory / f"{source}.json"


def render_suite(source: str) -> dict:
    """The suite of one source as a plain dict: contract rules (error) then distribution checks (warn)."""
    from dagster_project.validation import gx_runtime

    contract = load_contract()
    src = contract[source]
    configs = contract_expectations(src) + distribution_expectations(src)
    checks = [c["meta"]["check"] for c in configs]
    duplicates = sorted({c for c in checks if checks.count(c) > 1})
    if duplicates:
        raise ValueError(f"{source}: duplicate check names {duplicates}")
    return {
        "name": suite_name(source),
        "meta": {
            "generated_by": GENERATED_BY,
            "contract_version": contract.version,
            "note": "Generated: edit the landing contract or validation/distribution_checks.yml, then re-render.",
        },
        "expectations": [gx_runtime.normalised(c) for c in configs],
    }


def render_text(source: str) -> str:
    """Deterministic JSON text of a suite file (stable key order, trailing newline)."""
    return json.dumps(render_suite(source), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@cache
def load_suite(source: str) -> dict:
    """The suite that runs: the committed file, or a fresh render when the file is not installed."""
    if source not in SOURCES:
        raise KeyError(f"unknown source {source!r}")
    path = suite_path(source)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return render_suite(source)


def applicable(source: str, row_count: int) -> tuple[list[dict], list[dict]]:
    """(expectations to run, expectations skipped) for a delivery of ``row_count`` rows.

    A statistical check with ``meta.min_rows`` says nothing on a smaller delivery, so it is skipped
    rather than reported as a failure nobody can act on.
    """
    run, skipped = [], []
    for exp in load_suite(source)["expectations"]:
        (run if row_count >= exp["meta"].get("min_rows", 0) else skipped).append(exp)
    return run, skipped


@cache
def gx_suite(source: str, checks: tuple[str, ...]):
    """The GX ExpectationSuite of a source restricted to ``checks`` (built once per process and set)."""
    from dagster_project.validation import gx_runtime  # GX takes seconds to import: only when validating

    suite = load_suite(source)
    return gx_runtime.gx.ExpectationSuite(
        name=suite["name"],
        expectations=[
            gx_runtime.expectation(e) for e in suite["expectations"] if e["meta"]["check"] in checks
        ],
        meta=suite["meta"],
    )
