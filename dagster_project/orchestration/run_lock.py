"""One pipeline run at a time: an exclusive lock file beside the work database.

DuckDB allows one writer; a second ``rightswatch run`` used to end in a DuckDB lock traceback and
leave no trace. The lock is taken (``fcntl.flock``, non-blocking) before DuckDB is opened and holds
the holder's pid and start time, so the second run can say who holds the warehouse, exit with its
own code (``EXIT_BUSY``, documented in README) and be recorded. The kernel releases the lock when
the holder's process ends, however it ends (kill -9 included): a stale lock file never blocks.

Every way a run starts takes it: ``rightswatch run`` around the whole command, and any Dagster run
whose steps use the ``warehouse`` resource (the ``make dagster`` UI, the schedule, the sensor) through
``hold_for_run`` while the run's resources are up (dagster_project.orchestration.resources). A CLI run executes its
job in its own process, which already holds the lock: ``hold_for_run`` sees that and does not lock twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster import DagsterEvent

    from dagster_project.settings import Settings

EXIT_BUSY = 75  # EX_TEMPFAIL (sysexits.h): try again later


@dataclass(frozen=True)
class LockHolder:
    pid: int | None
    started_at: str | None


class WarehouseBusy(RuntimeError):
    def __init__(self, lock_path: Path, holder: LockHolder):
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(
            f"another run (pid {holder.pid or '?'}, started at {holder.started_at or '?'} UTC) holds the "
            f"warehouse (lock {lock_path}); not started. Try again when it has finished."
        )


# lock files this process holds (warehouse_lock), so a run started in the holder's process (the CLI's
# in-process job) knows the warehouse is already its own
_held_here: dict[Path, LockHolder] = {}


def lock_path_for(work_db: Path) -> Path:
    return work_db.with_name(work_db.name + ".lock")


def _read_holder(fd: int) -> LockHolder:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        data = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        data = {}
    return LockHolder(data.get("pid"), data.get("started_at"))


@contextmanager
def warehouse_lock(work_db: Path) -> Iterator[LockHolder]:
    """Hold the run lock for the duration of the block, or raise ``WarehouseBusy`` at once."""
    path = lock_path_for(work_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(path, _read_holder(fd)) from None
        me = LockHolder(os.getpid(), datetime.now(UTC).isoformat(timespec="seconds"))
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": me.pid, "started_at": me.started_at}).encode("utf-8"), 0)
        _held_here[path] = me
        try:
            yield me
        finally:
            del _held_here[path]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def hold_for_run(settings: Settings, run_id: str | None = None) -> Iterator[LockHolder]:
    """The lock for one pipeline run, however it was launched.

    Re-entrant for this process only: when this process already holds the lock (``rightswatch run``
    executing its job in-process), the run goes on under it. Otherwise the lock is taken for the block;
    a refusal is recorded exactly like a refused CLI run (``record_refused_run``) before ``WarehouseBusy``
    is raised, so the refused run fails with the same message; a run that gets the lock copies earlier
    refusals into meta.pipeline_runs, as the CLI's start-up does, so they show in ``dq_pipeline_runs``.
    """
    held = _held_here.get(lock_path_for(settings.work_db))
    if held is not None and held.pid == os.getpid():
        yield held
        return
    with ExitStack() as stack:
        try:
            me = stack.enter_context(warehouse_lock(settings.work_db))
        except WarehouseBusy as busy:
            record_refused_run(settings, busy, run_id)
            raise
        if settings.work_db.exists():  # as the CLI's start-up does: earlier refusals reach dq_pipeline_runs
            from dagster_project.warehouse.work_db import connect_work_db

            with closing(connect_work_db(settings.work_db)) as con:
                import_refused_runs(con, settings)
        yield me


def record_refused_run(settings: Settings, busy: WarehouseBusy, run_id: str | None = None) -> None:
    """A run refused because another holds the warehouse is recorded in the audit log (the state store
    takes concurrent writers; the work database is the holder's); the next CLI run copies it into
    meta.pipeline_runs (dagster_project.cli.commands), so dq_pipeline_runs shows it too."""
    from dagster_project.state import connect_state, record_audit

    detail = {"pid": os.getpid(), "holder_pid": busy.holder.pid, "holder_started_at": busy.holder.started_at}
    if run_id:
        detail["dagster_run_id"] = run_id
    with closing(connect_state(settings.state_db)) as state:
        record_audit(state, "system", "run_refused", str(settings.warehouse), detail)


def refusal_in(events: Iterable[DagsterEvent]) -> str | None:
    """The ``WarehouseBusy`` message of a Dagster run refused when its resources were set up, or None.

    Dagster reports the refusal as a resource-initialisation failure whose cause chain holds it; callers
    that turn a failed run into one line (the as-of rebuild, tests) show this message rather than a
    generic "the run failed"."""
    from dagster import DagsterEventType

    for event in events:
        if event.event_type != DagsterEventType.RESOURCE_INIT_FAILURE:
            continue
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            if error.cls_name == WarehouseBusy.__name__:
                return error.message.strip().removeprefix(f"{WarehouseBusy.__module__}.{WarehouseBusy.__name__}: ")
            error = error.cause
    return None


def import_refused_runs(con, settings: Settings) -> None:
    """Copy the audit log's refused runs into meta.pipeline_runs (once each), so dq_pipeline_runs shows them.
    Called by whichever run next holds the lock: the CLI's start-up recovery and every Dagster run's set-up."""
    from dagster_project.state import connect_state, read_audit_log

    with closing(connect_state(settings.state_db)) as state:
        refused = read_audit_log(state, limit=1000, action="run_refused")
    for entry in refused:
        detail = json.loads(entry["detail"] or "{}")
        at = datetime.fromisoformat(entry["at_utc"]).astimezone(UTC).replace(tzinfo=None)
        con.execute(
            "INSERT INTO meta.pipeline_runs SELECT ?, ?, ?, 'refused', NULL, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM meta.pipeline_runs WHERE run_id = ?)",
            [f"refused-{entry['id']}", at, at,
             f"refused: another run (pid {detail.get('holder_pid')}, started at {detail.get('holder_started_at')} UTC) "
             f"held the warehouse", f"refused-{entry['id']}"])
