"""What a killed or crashed run leaves behind, found and cleared at the next start (under the run lock,
so nothing found here can belong to a live run).

- ``meta.pipeline_runs`` rows still 'running' become 'abandoned' (dq_pipeline_runs shows them), and the
  Dagster run records still STARTED/STARTING are reported failed, so neither says "running" for ever;
- publish temp files (``.<warehouse>.<pid>.tmp`` and its ``.tmp.wal``), which after a disk-full failure
  kept the next run from succeeding, are removed;
- a disk-full failure is described in one last line naming the cause and where.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

ABANDONED = "abandoned"
NO_SPACE = os.strerror(errno.ENOSPC)  # "No space left on device"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def abandon_stale_runs(con, current_run_note: str) -> list[str]:
    """Mark every run still 'running' in meta.pipeline_runs as abandoned; return their run ids."""
    stale = [r[0] for r in con.execute("SELECT run_id FROM meta.pipeline_runs WHERE status = 'running'").fetchall()]
    if stale:
        con.execute(
            "UPDATE meta.pipeline_runs SET status = ?, finished_at = coalesce(finished_at, ?), message = ? "
            "WHERE status = 'running'",
            [ABANDONED, _utcnow(), f"abandoned: the run's process ended without finishing (killed or crashed); "
                                   f"found {current_run_note}"],
        )
    return stale


def fail_stale_dagster_runs(instance, job_name: str, message: str) -> list[str]:
    """Report the job's Dagster runs still STARTED/STARTING as failed; return their run ids."""
    from dagster import DagsterRunStatus, RunsFilter

    runs = instance.get_runs(filters=RunsFilter(job_name=job_name,
                                                statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING]))
    for run in runs:
        instance.report_run_failed(run, message=message)
    return [run.run_id for run in runs]


def temp_files(published: Path) -> list[Path]:
    """Publish temp files of ``published`` (see publish.publish) lying in its folder."""
    folder = published.parent
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(published.name)}\.\d+\.tmp(\.wal)?$")
    return sorted(p for p in folder.iterdir() if pattern.match(p.name))


def remove_temp_files(published: Path) -> list[Path]:
    removed = []
    for path in temp_files(published):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


_QUOTED_PATH = re.compile(r"""["'](/[^"']+)["']""")
# Below this a file system counts as full: SQLite reports a failed write as "disk I/O error" and
# DuckDB as a short write, so the message alone does not always say it.
NEARLY_FULL_BYTES = 32 * 2**20


def _mount_point(path: Path) -> Path:
    path = path.resolve()
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def _existing(path: Path) -> Path:
    return path if path.exists() else next((p for p in path.parents if p.exists()), Path("/"))


def disk_full_line(failure: str, places: list[Path]) -> str | None:
    """One line naming a disk-full cause and where, or None when nothing points to a full disk.

    ``places`` are the folders the run writes (warehouse, work file, Dagster home, dbt artifacts).
    A failure that says ENOSPC names the path in the message when it has one; otherwise the first
    place whose file system is (nearly) full is named.
    """
    said = NO_SPACE.lower() in failure.lower() or "ENOSPC" in failure
    match = _QUOTED_PATH.search(failure) if said else None
    candidates = ([Path(match.group(1))] if match else []) + list(places)
    for where in candidates:
        mount = _mount_point(_existing(where))
        usage = shutil.disk_usage(mount)
        if said or usage.free < min(NEARLY_FULL_BYTES, usage.total // 20):
            return (f"error: {NO_SPACE} while writing {where} (file system {mount}: "
                    f"{usage.free / 2**20:.1f} MiB free of {usage.total / 2**20:.1f} MiB). "
                    "Free space there and run again.")
    return None
