"""What one ingestion call did, per file and per source (returned to Dagster and the CLI)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dagster_project.cli.progress_meter import timing_text


@dataclass(frozen=True)
class FileResult:
    source: str
    delivery_date: dt.date
    file_name: str
    file_sha256: str
    status: str  # 'loaded' | 'rejected' | 'repeat' | 'unchanged'
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    seconds: float | None = None  # wall time to hash, read, check and load the file

    def progress_line(self) -> str:
        head = f"{self.source} {self.delivery_date.isoformat()} {self.file_name}"
        if self.status == "unchanged":
            return f"{head}: unchanged (same bytes already processed), skipped"
        if self.status == "rejected":
            return f"{head}: REJECTED — {self.message}"
        if self.status == "repeat":
            return f"{head}: {(self.message or '').removeprefix(self.file_name + ': ')}, skipped"
        line = f"{head}: {self.rows_read:,} read, {self.rows_loaded:,} loaded, {self.rows_quarantined:,} quarantined"
        if self.seconds is not None:
            line += " " + timing_text(self.rows_read, self.seconds)
        return line


@dataclass
class SourceResult:
    source: str
    files: list[FileResult] = field(default_factory=list)  # new or changed files processed by this call
    skipped_unchanged: int = 0
    # rows then moved from raw to quarantine by the key rule across a delivery's files
    # (delivery_keys.py), possibly from a file loaded by an earlier run; not in the per-file counts above
    rows_quarantined_across_files: int = 0

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def files_rejected(self) -> int:
        return sum(1 for f in self.files if f.status == "rejected")

    @property
    def files_repeated(self) -> int:
        return sum(1 for f in self.files if f.status == "repeat")

    @property
    def files_loaded(self) -> int:
        return sum(1 for f in self.files if f.status == "loaded")
