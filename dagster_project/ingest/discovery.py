"""Finding deliveries under the landing root and reporting what does not belong there.

The contract fixes the layout ``<landing_root>/<source>/<YYYY-MM-DD>/<file>``. Anything else is
reported in ``meta.landing_issues`` rather than silently skipped: a file dropped in the wrong
folder is data the regulator would otherwise never see. Names starting with ``_`` are the
operator's own (``_archive``, ``_tmp``) and are skipped without a report.
"""

from __future__ import annotations

import datetime as dt
import re
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


def scan_source(landing_root: Path, source: str) -> tuple[list[Delivery], list[tuple[str, str]]]:
    """Deliveries of one source in delivery-date order, and the issues found in its folder."""
    issues: list[tuple[str, str]] = []
    deliveries: list[Delivery] = []
    folder = Path(landing_root) / source
    if not folder.is_dir():
        return deliveries, issues
    for entry in sorted(folder.iterdir()):
        if _ignored(entry) and entry.is_dir():
            continue
        if not entry.is_dir():
            issues.append((str(entry), "file outside a delivery folder (expected <source>/<YYYY-MM-DD>/<file>)"))
            continue
        date = parse_delivery_date(entry.name)
        if date is None:
            issues.append((str(entry), "delivery folder name is not a valid YYYY-MM-DD date; not loaded"))
            continue
        files = []
        for item in sorted(entry.iterdir(), key=lambda p: p.name):
            if item.is_dir():
                if not _ignored(item):
                    issues.append((str(item), "unexpected folder inside a delivery; not loaded"))
            elif file_kind(item.name) is None:
                issues.append((str(item), "unknown file type (expected .csv, .jsonl, .parquet, .csv.gz, .jsonl.gz); not loaded"))
            else:
                files.append(item)
        deliveries.append(Delivery(source, date, entry, tuple(files)))
    deliveries.sort(key=lambda d: d.delivery_date)
    return deliveries, issues


def record_issues(con: duckdb.DuckDBPyConnection, issues: list[tuple[str, str]]) -> None:
    """Insert issues not already recorded (a folder that stays wrong is reported once, not every run)."""
    for path, issue in issues:
        con.execute(
            """
            INSERT INTO meta.landing_issues (path, issue, detected_at)
            SELECT ?, ?, timezone('UTC', now())
            WHERE NOT EXISTS (SELECT 1 FROM meta.landing_issues WHERE path = ? AND issue = ?)
            """,
            [path, issue, path, issue],
        )


def scan_landing(con: duckdb.DuckDBPyConnection, landing_root: Path) -> list[tuple[str, str]]:
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
            if entry.is_dir() and entry.name in SOURCES:
                issues.extend(scan_source(root, entry.name)[1])
            elif entry.is_dir():
                issues.append((str(entry), f"unknown source folder (expected one of {', '.join(SOURCES)}); not read"))
            else:
                issues.append((str(entry), "file directly under the landing root; not read"))
    record_issues(con, issues)
    return issues
