"""One pipeline run at a time: an exclusive lock file beside the work database.

DuckDB allows one writer; a second ``rightswatch run`` used to end in a DuckDB lock traceback and
leave no trace. The lock is taken (``fcntl.flock``, non-blocking) before DuckDB is opened and holds
the holder's pid and start time, so the second run can say who holds the warehouse, exit with its
own code (``EXIT_BUSY``, documented in README) and be recorded. The kernel releases the lock when
the holder's process ends, however it ends (kill -9 included): a stale lock file never blocks.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
        try:
            yield me
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
