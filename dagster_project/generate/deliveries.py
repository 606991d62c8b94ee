"""Which file each delivery holds, and routing record versions into them.

The layout exercises every format of the landing contract (see ``FILE_PLAN``): the backfill has a
GB18030 merchants CSV with Chinese names, a Parquet orders file, a JSONL complaints file (with broken
lines) and a gzipped refunds CSV; the daily deliveries mix CSV with and without BOM, a gzipped orders
CSV, a CSV complaints file (descriptions with embedded newlines, quotes, markup, a formula), a gzipped
JSONL and one orders file with an extra column.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from .bad_rows import Factory, Injection, kinds_for
from .calendar import BACKFILL_END, DELIVERY_DATES, window_bounds, window_index
from .writers import DeliveryFile, FileSpec, load_columns, open_delivery_file

_INTERVAL = 140  # one planted row after every 140 normal rows ≈ 0.7 %


def _plan() -> dict[tuple[str, int], tuple[FileSpec, Injection | None]]:
    csv8, bom = FileSpec("csv", "utf-8"), FileSpec("csv", "utf-8-sig")
    plan: dict[tuple[str, int], tuple[FileSpec, Injection | None]] = {
        ("merchants", 0): (FileSpec("csv", "gb18030"), Injection(kinds_for("merchants", "csv"))),
        ("orders", 0): (FileSpec("parquet"), Injection(kinds_for("orders", "parquet"), _INTERVAL)),
        ("complaints", 0): (FileSpec("jsonl"), Injection(kinds_for("complaints", "jsonl") + ("malformed_record",),
                                                          _INTERVAL)),
        ("refunds", 0): (FileSpec("csv", "utf-8", gz=True), Injection(kinds_for("refunds", "csv"), _INTERVAL)),
    }
    for w in range(1, len(DELIVERY_DATES)):
        plan[("merchants", w)] = (bom if w % 2 else csv8, None)
    orders = {1: bom, 2: csv8, 3: FileSpec("csv", "utf-8", gz=True), 4: bom,
              5: FileSpec("csv", "utf-8", extra_columns=("coupon_code",)), 6: bom}
    for w, spec in orders.items():
        plan[("orders", w)] = (spec, Injection(("type_invalid",) if w == 1 else (), _INTERVAL))
    for w in range(1, len(DELIVERY_DATES)):
        spec = FileSpec("jsonl")
        guarantee: tuple[str, ...] = ()
        if w == 2:
            spec = bom  # a CSV complaints delivery: quoting of free text matters here
        elif w == 4:
            spec, guarantee = FileSpec("jsonl", gz=True), ("malformed_record",)
        plan[("complaints", w)] = (spec, Injection(guarantee, _INTERVAL))
        plan[("refunds", w)] = (bom if w == 5 else csv8, Injection((), _INTERVAL))
    plan[("privacy_requests", 0)] = (csv8, None)
    for w in range(1, len(DELIVERY_DATES)):
        plan[("privacy_requests", w)] = (FileSpec("jsonl") if w % 2 else bom, None)
    return plan


FILE_PLAN = _plan()


def coupon(row: dict) -> str:
    """Value of the extra ``coupon_code`` column: present on about a third of the rows."""
    h = zlib.crc32(str(row.get("order_id")).encode()) % 9
    return f"D11-{h * 10}" if h < 3 else ""


class _Schedule:
    """The running state of one file's :class:`Injection`: normal rows counted, kinds still owed."""

    __slots__ = ("interval", "queue", "normal", "rot", "rotation")

    def __init__(self, inj: Injection, rotation: tuple[str, ...]):
        self.interval, self.queue, self.rotation = inj.interval, list(inj.guarantee), rotation
        self.normal = self.rot = 0

    def after_normal_row(self) -> str | None:
        """Count one normal row; the kind to plant after it, if any."""
        self.normal += 1
        if self.queue and self.normal % 2 == 0:
            return self.queue.pop(0)
        if self.interval and self.normal % self.interval == 0:
            self.rot += 1
            return self.rotation[(self.rot - 1) % len(self.rotation)]
        return None


class Router:
    """Writes each record's version as of the end of every delivery window it changed in.

    ``emit`` gets a record exposing ``event_times()`` (ascending local datetimes) and ``row(i)``
    (the version after event i). A window gets the last version whose time falls in it; events after
    the last delivery day are not delivered.
    """

    def __init__(self, root: Path, seed: int, factory: Factory, progress=None):
        self.root, self.seed, self.factory, self.progress = root, seed, factory, progress
        self.columns = load_columns()
        self.files: dict[tuple[str, int], DeliveryFile] = {}
        self.injection: dict[tuple[str, int], _Schedule] = {}
        self.bad: list[tuple[str, str, str, int, str]] = []
        self.soft: list[tuple[str, str, str, int, str]] = []
        self.written: list[dict] = []
        self.closed: set[int] = set()  # delivery windows whose files are final

    # ---------------------------------------------------------------- files
    def file(self, source: str, w: int) -> DeliveryFile:
        f = self.files.get((source, w))
        if f is None:
            if w in self.closed:
                raise RuntimeError(f"{source} delivery {DELIVERY_DATES[w]} is already closed")
            spec, inj = FILE_PLAN[(source, w)]
            delivery = DELIVERY_DATES[w]
            stem = f"{source}_{'backfill_' if w == 0 else ''}{delivery:%Y%m%d}"
            f = open_delivery_file(self.root, source, delivery, stem, spec, self.columns[source])
            self.files[(source, w)] = f
            if inj is not None:
                self.injection[(source, w)] = _Schedule(inj, kinds_for(source, spec.fmt))
        return f

    def close_through(self, day) -> None:
        """Close the files of every delivery whose window ends on or before local ``day``.

        Records are emitted on their order day with all their future events, so once the orders of
        ``day`` are written nothing more can land in a window that ends by then.
        """
        for w in range(len(DELIVERY_DATES)):
            if window_bounds(w)[1].date() <= day:
                self._close_window(w)

    def close(self) -> list[dict]:
        """Close what is still open and report every file written, in delivery order."""
        for w in range(len(DELIVERY_DATES)):
            self._close_window(w)
        return sorted(self.written, key=lambda f: (f["delivery_date"], f["source"]))

    def _close_window(self, w: int) -> None:
        if w in self.closed:
            return
        self.closed.add(w)
        for (source, fw), f in sorted(self.files.items(), key=lambda kv: kv[0][0]):
            if fw != w:
                continue
            f.close()
            rel = f.path.relative_to(self.root).as_posix()
            encoding = f.spec.encoding if f.spec.fmt == "csv" else ("utf-8" if f.spec.fmt == "jsonl" else None)
            self.written.append({"path": rel, "source": source, "delivery_date": f.delivery.isoformat(),
                                 "format": f.spec.fmt, "encoding": encoding, "gzip": f.spec.gz, "rows": f.rows,
                                 "bytes": f.path.stat().st_size})
            if self.progress:
                self.progress(f"wrote {rel} ({f.rows} rows)")

    # ---------------------------------------------------------------- records
    def emit(self, source: str, record) -> None:
        times = record.event_times()
        if times[-1] < BACKFILL_END:  # the common case: the whole life of the record is in the backfill
            self.write_normal(source, 0, record.row(len(times) - 1))
            return
        last: dict[int, int] = {}
        for i, t in enumerate(times):
            w = window_index(t)
            if w is None:
                break
            last[w] = i
        for w, i in last.items():
            self.write_normal(source, w, record.row(i))

    def write_normal(self, source: str, w: int, row: dict) -> None:
        key = (source, w)
        f = self.files.get(key) or self.file(source, w)
        if f.spec.extra_columns:
            row["coupon_code"] = coupon(row)
        f.write(row)
        schedule = self.injection.get(key)
        if schedule is not None:
            kind = schedule.after_normal_row()
            if kind is not None:
                self._plant(f, source, kind, row)

    def _plant(self, f: DeliveryFile, source: str, kind: str, template: dict) -> None:
        for p in self.factory.make(kind, source, template):
            if isinstance(p.payload, str):
                line = f.write_raw(p.payload)  # type: ignore[attr-defined]
            else:
                if f.spec.extra_columns:
                    p.payload["coupon_code"] = coupon(p.payload)
                line = f.write(p.payload)
            rec = (source, f.delivery.isoformat(), f.file_name, line, p.label)
            (self.bad if p.hard else self.soft).append(rec)
