"""The local Dagster instance that `rightswatch run`, the as-of rebuild and `make dagster` share."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.settings import DEFAULT_DATA_DIR


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME (default data/dagster_home) as an existing folder with a dagster.yaml: Dagster refuses
    a home that does not exist, and a fresh clone or a new machine has none yet."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DATA_DIR / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("# Written by rightswatch: a local instance shared with `make dagster`.\n"
                          "telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
