"""The landing contract: the one machine-readable source for parsing, rules, dbt sources and GX suites."""

from dagster_project.contract.contract import (
    SOURCES,
    Column,
    Contract,
    Reference,
    SourceContract,
    load_contract,
)

__all__ = ["SOURCES", "Column", "Contract", "Reference", "SourceContract", "load_contract"]
