"""Finding deliveries under the landing root and reporting what does not belong there.

The contract fixes the layout ``<landing_root>/<source>/<YYYY-MM-DD>/<file>``. Anything else is
reported in ``meta.landing_issues`` (published as ``dq_landing_issues``) rather than silently
skipped: a file dropped in the wrong folder is data the regulator would otherwise never see. So is
an entry that cannot be read (a name that is not UTF-8, a dangling link, a FIFO, no permission):
it is reported alone and never blocks the rest of its delivery or the run. Names starting with ``_`` are the
operator's own (``_archive``, ``_tmp``) and are skipped without a report.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.contract import SOURCES

# suffix -> (format, gzip-compressed)
FILE_KINDS: dict[str, tuple[str, bool]] = {
    ".csv": ("csv", False),
    ".csv.gz": ("csv", True),
    ".jsonl": ("jsonl", False),
    ".jsonl.gz": ("jsonl", True),
    ".parquet": ("parquet", False),
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def file_kind(name: str) -> tuple[str, bool] | None:
    """(format, compressed) for a supported file name, else None. Longest suffix wins (.csv.gz)."""
    lower = name.lower()
    for suffix in sorted(FILE_KINDS, key=len, reverse=True):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return FILE_KINDS[suffix]
    return None


def parse_delivery_date(name: str) -> dt.date | None:
    if not _DATE.fullmatch(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


@dataclass(frozen=True)
class Delivery:
    source: str
    delivery_date: dt.date
    path: Path
    files: tuple[Path, ...]  # supported files, sorted by name


def _ignored(path: Path) -> bool:
    return path.name.startswith("_")


def shown_path(path: Path | str) -> str:
    """A path as text that any log, table or page can hold: bytes that are not UTF-8 (a GBK file name
    from a Windows exporter) are shown as ``\\xNN`` escapes instead of breaking the run."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _name_issue(path: Path) -> str | None:
    raw = os.fsencode(path.name)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            hint = f" (as GB18030 it reads {raw.decode('gb18030')!r})"
        except UnicodeDecodeError:
            hint = ""
        return f"file name is not valid UTF-8{hint}; not read: rename it with a UTF-8 name"
    return None


_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def entry_issue(path: Path) -> tuple[str | None, bool]:
    """(issue, is_folder) for one directory entry, judged from its name and ``stat`` only.

    Nothing is opened here: opening a FIFO would wait for a writer for ever. A symbolic link to a
    regular file is followed; a dangling one, or anything that is not a regular file or a folder,
    is an issue of its own that never stops the rest of the delivery.
    """
    issue = _name_issue(path)
    if issue is not None:
        return issue, False
    try:
        info = os.stat(path)
    except FileNotFoundError:
        target = os.readlink(path) if os.path.islink(path) else "?"
        return f"dangling symbolic link (its target {shown_path(target)} does not exist); not read", False
    except OSError as exc:
        return f"cannot be examined ({exc.strerror or exc}); not read", False
    if stat.S_ISDIR(info.st_mode):
        return None, True
    for test, kind in _SPECIAL_KINDS:
        if test(info.st_mode):
            return f"not a regular file but {kind}; never opened, not read", False
    return None, False


def unreadable_issue(path: Path) -> str | None:
    """Why a regular file cannot be read by this process, else None (opens and closes it: safe for a
    regular file, which ``entry_issue`` established)."""
    try:
        with open(path, "rb"):
            return None
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc}); not read"


def scan_source(landing_root: Path, source: str) -> tuple[list[Delivery], list[tuple[str, str]]]:
    """Deliveries of one source in delivery-date order, and the issues found in its folder.

    Every entry is judged alone: an unreadable one is reported (path shown escaped) and the rest of
    its delivery is still returned for loading.
    """
    issues: list[tuple[str, str]] = []
    deliveries: list[Delivery] = []
    folder = Path(landing_root) / source
    if not folder.is_dir():
        return deliveries, issues
    for entry in sorted(folder.iterdir()):
        issue, is_folder = entry_issue(entry)
        if is_folder and _ignored(entry):
            continue
        if issue is not None:
            issues.append((shown_path(entry), issue))
            continue
        if not is_folder:
            issues.append((shown_path(entry), "file outside a delivery folder (expected <source>/<YYYY-MM-DD>/<file>)"))
            continue
        date = parse_delivery_date(entry.name)
        if date is None:
            issues.append((shown_path(entry), "delivery folder name is not a valid YYYY-MM-DD date; not loaded"))
            continue
        files = []
        for item in sorted(entry.iterdir(), key=lambda p: os.fsencode(p.name)):
            issue, is_folder = entry_issue(item)
            if issue is None and is_folder:
                if not _ignored(item):
                    issues.append((shown_path(item), "unexpected folder inside a delivery; not loaded"))
            elif issue is None and file_kind(item.name) is None:
                issues.append((shown_path(item), "unknown file type (expected .csv, .jsonl, .parquet, .csv.gz, .jsonl.gz); not loaded"))
            elif issue is None:
                issue = unreadable_issue(item)
            if issue is not None:
                issues.append((shown_path(item), issue))
            elif not is_folder and file_kind(item.name) is not None:
                files.append(item)
        deliveries.append(Delivery(source, date, entry, tuple(files)))
    deliveries.sort(key=lambda d: d.delivery_date)
    return deliveries, issues


def record_issues(con: duckdb.DuckDBPyConnection, issues: list[tuple[str, str]], run_id: str | None = None) -> None:
    """Insert issues not already recorded (a folder that stays wrong is reported once, not every run)
    and mark every issue seen by this run (``run_id``, ``last_seen_at``), so a page can tell the
    problems still present from the ones fixed since."""
    for path, issue in issues:
        con.execute(
            """
            INSERT INTO meta.landing_issues (path, issue, detected_at)
            SELECT ?, ?, timezone('UTC', now())
            WHERE NOT EXISTS (SELECT 1 FROM meta.landing_issues WHERE path = ? AND issue = ?)
            """,
            [path, issue, path, issue],
        )
        con.execute(
            "UPDATE meta.landing_issues SET last_seen_at = timezone('UTC', now()), run_id = coalesce(?, run_id) "
            "WHERE path = ? AND issue = ?",
            [run_id, path, issue],
        )


def scan_landing(con: duckdb.DuckDBPyConnection, landing_root: Path, run_id: str | None = None) -> list[tuple[str, str]]:
    """Report unknown folders and file types anywhere under the landing root; returns (path, issue).

    The returned list holds every issue seen now (also ones recorded by earlier scans).
    """
    root = Path(landing_root)
    issues: list[tuple[str, str]] = []
    if not root.is_dir():
        issues.append((str(root), "landing root does not exist"))
    else:
        for entry in sorted(root.iterdir()):
            if _ignored(entry):
                continue
            issue, is_folder = entry_issue(entry)
            if issue is not None:
                issues.append((shown_path(entry), issue))
            elif is_folder and entry.name in SOURCES:
                issues.extend(scan_source(root, entry.name)[1])
            elif is_folder:
                issues.append((shown_path(entry), f"unknown source folder (expected one of {', '.join(SOURCES)}); not read"))
            else:
                issues.append((shown_path(entry), "file directly under the landing root; not read"))
    record_issues(con, issues, run_id)
    return issues
