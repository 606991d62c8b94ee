"""Where each pipeline run's dbt artifacts go, and how many are kept.

dagster-dbt gives every invocation its own target folder (manifest, run results, logs: ~16 MB), by
default under dbt/target/ in the source tree and never removed. Here they live beside the warehouse
(``<warehouse folder>/dbt_target/<UTC time>-<run id>``), and only the newest ``KEEP`` are kept: enough
to look at the last few runs' results, bounded whatever the number of runs.

A new folder starts with the previous run's ``partial_parse.msgpack``: dbt then re-parses only the
files whose checksums changed (it checks the dbt version, vars, profile and env vars too, and parses
everything again when any of them differ), instead of the whole project on every run (about 3 s of
a run's CPU on this project).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from dagster_project.settings import Settings

KEEP = 5
PARTIAL_PARSE = "partial_parse.msgpack"


def targets_root(settings: Settings) -> Path:
    return settings.warehouse.parent / "dbt_target"


def _runs(root: Path) -> list[Path]:
    """Run folders, oldest first (names start with a sortable UTC time)."""
    return sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name) if root.is_dir() else []


def prune(settings: Settings, keep: int = KEEP) -> list[Path]:
    """Remove all but the newest ``keep`` run folders; return the removed ones."""
    runs = _runs(targets_root(settings))
    removed = runs[: max(len(runs) - keep, 0)]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def new_target(settings: Settings, run_id: str) -> Path:
    """A fresh folder for this run's dbt artifacts, after pruning so at most ``KEEP`` remain with it,
    seeded with the newest earlier run's parse state."""
    prune(settings, keep=KEEP - 1)
    earlier = [run / PARTIAL_PARSE for run in reversed(_runs(targets_root(settings)))]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = targets_root(settings) / f"{stamp}-{run_id[:8]}"
    path.mkdir(parents=True, exist_ok=True)
    state = next((f for f in earlier if f.is_file()), None)
    if state is not None:
        shutil.copy2(state, path / PARTIAL_PARSE)
    return path
