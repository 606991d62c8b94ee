"""Typed view of ``landing_contract.yml``.

Everything that needs to know what a delivery looks like (ingestion, the warehouse DDL, the dbt
sources, the Great Expectations suites) reads this object instead of repeating column lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from dagster_project.settings import CONTRACT_PATH

# Contract type -> DuckDB column type of the raw tables.
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
}

# Metadata columns every raw table carries after the contract columns (see docs/architecture.md).
RAW_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_delivery_date", "DATE"),
    ("_file_name", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_dq_flags", "VARCHAR"),
    ("_extra_columns", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] | None = None
    min: float | None = None
    min_exclusive: float | None = None
    max: float | None = None
    check: str | None = None
    pii: bool = False
    stored_as: str | None = None
    free_text: bool = False
    not_before: str | None = None
    default: object | None = None

    @property
    def stored_name(self) -> str:
        """Name of the column in the warehouse: personal data is stored only under its pseudonym name."""
        return self.stored_as or self.name

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def soft_rule(self) -> str | None:
        """Flag name for the soft timestamp-order rule, e.g. ``paid_at_before_ordered_at``."""
        return f"{self.name}_before_{self.not_before}" if self.not_before else None


@dataclass(frozen=True)
class Reference:
    column: str
    source: str
    key: str

    @property
    def flag(self) -> str:
        return f"unknown_{self.source.rstrip('s')}"


@dataclass(frozen=True)
class SourceContract:
    name: str
    key: tuple[str, ...]
    version_column: str
    columns: tuple[Column, ...]
    references: tuple[Reference, ...]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no contract column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def pii_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.pii)

    @property
    def free_text_columns(self) -> tuple[str, ...]:
        """Contract columns where anything may be written, so hidden personal data is searched for."""
        return tuple(c.name for c in self.columns if c.free_text)

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    def raw_columns(self) -> list[tuple[str, str]]:
        """(name, DuckDB type) of the raw table: contract columns (pseudonym names) then metadata."""
        return [(c.stored_name, c.sql_type) for c in self.columns] + list(RAW_METADATA_COLUMNS)


@dataclass(frozen=True)
class Contract:
    version: int
    default_timezone: str
    default_currency: str
    sources: dict[str, SourceContract]

    def __getitem__(self, source: str) -> SourceContract:
        try:
            return self.sources[source]
        except KeyError:
            raise KeyError(f"unknown source {source!r}; the contract knows {sorted(self.sources)}") from None


def _column(spec: dict) -> Column:
    spec = dict(spec)
    if "values" in spec and spec["values"] is not None:
        spec["values"] = tuple(spec["values"])
    return Column(**spec)


@cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    sources = {
        name: SourceContract(
            name=name,
            key=tuple(spec["key"]),
            version_column=spec["version_column"],
            columns=tuple(_column(c) for c in spec["columns"]),
            references=tuple(Reference(**r) for r in spec.get("references") or ()),
        )
        for name, spec in data["sources"].items()
    }
    if not sources:
        raise ValueError(f"{path}: the contract declares no sources")
    return Contract(
        version=int(data["version"]),
        default_timezone=data["default_timezone"],
        default_currency=data["default_currency"],
        sources=sources,
    )


# The sources, in contract order: the contract file is the only list (a new source is added there).
SOURCES: tuple[str, ...] = tuple(load_contract().sources)
