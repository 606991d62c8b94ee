"""After an erasure, a new delivery for the erased person loads the erasure marker instead of a
pseudonym; the contract suite must accept exactly that marker (the one-more-day build failed on it)
while still rejecting anything that is neither a pseudonym nor the marker."""

from __future__ import annotations

import re

from dagster_project.contract import load_contract
from dagster_project.ingest import pseudonymise
from dagster_project.ingest.erasure_list import ERASED_MARKER
from dagster_project.validation.contract_rules import contract_expectations


def _pseudonym_regexes(source: str) -> list[str]:
    return [e["kwargs"]["regex"] for e in contract_expectations(load_contract()[source])
            if e["meta"]["check"].endswith(".pseudonymised")]


def test_the_pseudonym_check_accepts_the_erasure_marker_and_nothing_clear():
    regexes = _pseudonym_regexes("orders")
    assert len(regexes) == 2  # consumer_key, consumer_phone_key
    for regex in regexes:
        assert re.search(regex, pseudonymise("C-1", b"k" * 32))
        assert re.search(regex, ERASED_MARKER)
        for clear in ("13800138000", "C-1", "ERASED ", "erased", "x" + ERASED_MARKER):
            assert not re.search(regex, clear), clear
