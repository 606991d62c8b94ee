"""KPI and scoring configuration: the dbt_project.yml ``vars`` are the defaults, RW_CONFIG overrides them.

An override file is YAML mapping var names (``rw_*``) to values. Unknown names are an error, so a
typo never silently leaves a legal limit at its default.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dagster_project.settings import DBT_PROJECT_DIR


class ConfigError(ValueError):
    """A configuration file names a setting that does not exist or cannot be read."""


@cache
def default_vars(dbt_project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Any]:
    """The defaults, as dbt_project.yml declares them."""
    project = yaml.safe_load((dbt_project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def load_overrides(path: Path | None, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read an override file; return only the vars it sets (validated against the defaults)."""
    if path is None:
        return {}
    defaults = default_vars() if defaults is None else defaults
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}. Check RW_CONFIG.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of setting names to values, got {type(data).__name__}")
    unknown = sorted(set(data) - set(defaults))
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}. Known settings are the vars in "
            f"dbt/dbt_project.yml, e.g. {', '.join(sorted(defaults)[:5])}, ..."
        )
    return data


def effective_vars(path: Path | None) -> dict[str, Any]:
    """Defaults with the overrides applied: the values in force for a run."""
    return {**default_vars(), **load_overrides(path)}
