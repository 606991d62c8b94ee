"""Where things live, read once from the environment.

One variable names each place, so dbt, Dagster, the CLI and the dashboards agree without
passing paths around:

- ``RW_LANDING``   landing root holding ``<source>/<YYYY-MM-DD>/`` deliveries.
- ``RW_WAREHOUSE`` the *published* DuckDB file (schema ``marts``) that dashboards and analysts read.
  The pipeline builds in a sibling working file (``<stem>.work.duckdb``) and replaces the published
  file atomically only after a complete, checked build, so a reader is never blocked by a run.
- ``RW_PSEUDONYM_KEY`` the key for pseudonymising personal data; when unset, a random key is
  generated on first use and kept beside the warehouse (``<stem>.key``), never in the repository.
- ``RW_CONFIG``    optional YAML overriding KPI and scoring parameters (defaults in dbt_project.yml).
- ``RW_REPORTS``   where regulator reports are written.
- ``RW_USERS_FILE`` dashboard accounts (salted hashes), outside the repository by default.
- ``RW_ENGINE``    ``duckdb`` (default: one machine) or ``spark`` (the same dbt models on Apache Spark
  through Spark Connect, docs/scale-out.md): names the dbt target of ``dbt/profiles.yml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
CONTRACT_PATH = Path(__file__).resolve().parent / "contract" / "landing_contract.yml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_WAREHOUSE = DEFAULT_DATA_DIR / "warehouse" / "rightswatch.duckdb"
# The dbt targets of dbt/profiles.yml a run may build on; the first is the default.
ENGINES = ("duckdb", "spark")


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    reports: Path
    users_file: Path
    config_file: Path | None
    engine: str = ENGINES[0]

    @property
    def work_db(self) -> Path:
        """The pipeline's own DuckDB file: raw history, metadata, dbt build. Never read by dashboards."""
        return work_db_of(self.warehouse)

    @property
    def key_file(self) -> Path:
        return self.warehouse.with_name(self.warehouse.stem + ".key")

    @property
    def state_db(self) -> Path:
        """Durable application state that no rebuild touches: management decisions, audit log, report approvals."""
        return self.warehouse.with_name(self.warehouse.stem + ".state.sqlite")


def work_db_of(warehouse: Path) -> Path:
    """The work file beside a published warehouse file (dbt/profiles.yml names it the same way)."""
    return warehouse.with_name(warehouse.stem + ".work.duckdb")


def engine_from_env() -> str:
    """RW_ENGINE, checked: a misspelt engine must not silently build on the default one."""
    engine = os.environ.get("RW_ENGINE", "").strip().lower() or ENGINES[0]
    if engine not in ENGINES:
        raise ValueError(f"RW_ENGINE={os.environ['RW_ENGINE']!r}: expected one of {', '.join(ENGINES)}")
    return engine


def get_settings() -> Settings:
    config = os.environ.get("RW_CONFIG")
    return Settings(
        landing=_path_from_env("RW_LANDING", DEFAULT_DATA_DIR / "landing"),
        warehouse=_path_from_env("RW_WAREHOUSE", DEFAULT_WAREHOUSE),
        reports=_path_from_env("RW_REPORTS", DEFAULT_DATA_DIR / "reports"),
        users_file=_path_from_env("RW_USERS_FILE", Path.home() / ".rightswatch" / "users.json"),
        config_file=Path(config).expanduser().resolve() if config else None,
        engine=engine_from_env(),
    )
