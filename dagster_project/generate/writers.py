"""Delivery files in every format the landing contract allows, written as streams.

Each writer takes one row (a dict keyed by contract column) at a time and returns where the record
starts, in the same terms ingestion reports it: the physical CSV line (header = 1, embedded newlines
counted), the JSONL line, or the Parquet row index + 1. Nothing is buffered beyond a Parquet row group,
so memory does not grow with the size of the data set.

Values in a row are Python objects typed by the contract (datetime = local Asia/Shanghai time,
int cents for decimals, date, bool, int); a ``str`` is written exactly as given, which is how planted
bad rows carry values that do not parse. Every output is byte-for-byte reproducible: no wall-clock
time in gzip headers, a fixed Parquet writer configuration, and timestamp styles chosen from the
record key, not from a random source.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import operator
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.contract import load_contract

from .calendar import UTC_OFFSET, fmt_local, fmt_offset, fmt_utc


def load_columns() -> dict[str, list[tuple[str, str]]]:
    """(name, type) of each source's columns, in contract order: the one contract ingestion reads too."""
    return {name: [(c.name, c.type) for c in spec.columns] for name, spec in load_contract().sources.items()}


def money(cents: int) -> str:
    """Two-decimal text for an amount in cents (exact, no float rounding)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def ts_style(key: object) -> int:
    """0 = no offset (most rows), 1 = +08:00, 2 = UTC ``Z``; a function of the record key so identical
    copies of a row (planted duplicates) are identical bytes too."""
    h = zlib.crc32(str(key).encode("utf-8")) % 100
    return 1 if h < 6 else 2 if h < 10 else 0


_TS_FORMATTERS = (fmt_local, fmt_offset, fmt_utc)
_OFFSET_US = int(UTC_OFFSET.total_seconds()) * 1_000_000


@dataclass(frozen=True)
class FileSpec:
    """How one delivery file is written. ``fmt``: csv | jsonl | parquet."""

    fmt: str
    encoding: str = "utf-8"  # csv only: utf-8, utf-8-sig (BOM) or gb18030
    gz: bool = False
    extra_columns: tuple[str, ...] = ()  # columns not in the contract (ingestion keeps and reports them)

    def suffix(self) -> str:
        return {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}[self.fmt] + (".gz" if self.gz else "")


class DeliveryFile:
    """Base: counts rows and knows its place in the landing tree."""

    def __init__(self, path: Path, source: str, delivery: date, columns: list[tuple[str, str]], spec: FileSpec):
        self.path, self.source, self.delivery, self.spec = path, source, delivery, spec
        self.columns = columns
        self.names = [c for c, _ in columns]
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def file_name(self) -> str:
        return self.path.name

    def write(self, row: dict) -> int:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _open_text(path: Path, encoding: str, gz: bool) -> io.TextIOWrapper:
    raw = path.open("wb")
    stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if gz else raw
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", write_through=False)
    text._rw_raw = raw  # type: ignore[attr-defined]  # closed after the gzip trailer is written
    return text


def _close_text(text: io.TextIOWrapper) -> None:
    raw = text._rw_raw  # type: ignore[attr-defined]
    text.close()  # closes the GzipFile (writes the trailer), which does not close fileobj
    if not raw.closed:
        raw.close()


def _bool_text(v: object) -> str:
    return "true" if v else "false"


#: How a typed value becomes CSV text; timestamps use the row's style, any other type ``str``.
_CELL_FORMATS = {"decimal": money, "boolean": _bool_text, "date": operator.methodcaller("isoformat"), "timestamp": None}


def _csv_cell(v: object, fmt, style) -> str:
    """One CSV cell: empty for None, a ``str`` exactly as given (planted bad values), else typed text."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return style(v) if fmt is None else fmt(v)


class CsvFile(DeliveryFile):
    """RFC 4180 CSV (CRLF record ends, minimal quoting) in UTF-8, UTF-8 with BOM or GB18030."""

    def __init__(self, path, source, delivery, columns, spec):
        super().__init__(path, source, delivery, columns, spec)
        self._fh = _open_text(path, spec.encoding, spec.gz)
        self._csv = csv.writer(self._fh, lineterminator="\r\n")
        self._extra = list(spec.extra_columns)
        self._csv.writerow(self.names + self._extra)
        self.next_line = 2
        self._formats = [(name, _CELL_FORMATS.get(typ, str)) for name, typ in columns]

    def _cells(self, row: dict) -> list[str]:
        style = _TS_FORMATTERS[ts_style(row.get(self.names[0]))]
        get = row.get
        cells = [_csv_cell(get(name), fmt, style) for name, fmt in self._formats]
        for name in self._extra:
            v = get(name)
            cells.append("" if v is None else str(v))
        return cells

    def write(self, row: dict) -> int:
        cells = self._cells(row)
        start = self.next_line
        self.next_line += 1 + sum(c.count("\n") for c in cells if "\n" in c)
        self._csv.writerow(cells)
        self.rows += 1
        return start

    def close(self) -> None:
        _close_text(self._fh)


def _json_value(v: object, typ: str, style) -> str:
    if v is None:
        return "null"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if typ == "timestamp":
        return '"' + style(v) + '"'
    if typ == "decimal":
        return money(v)  # a JSON number with exactly two decimals
    if typ == "boolean":
        return "true" if v else "false"
    if typ == "date":
        return '"' + v.isoformat() + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class JsonlFile(DeliveryFile):
    """One JSON object per line, UTF-8; a key missing from ``row`` is left out of the object."""

    def __init__(self, path, source, delivery, columns, spec):
        super().__init__(path, source, delivery, columns, spec)
        self._fh = _open_text(path, "utf-8", spec.gz)
        self.next_line = 1

    def write(self, row: dict) -> int:
        style = _TS_FORMATTERS[ts_style(row.get(self.names[0]))]
        parts = []
        for name, typ in self.columns:
            if name in row:
                parts.append(json.dumps(name) + ":" + _json_value(row[name], typ, style))
        return self.write_raw("{" + ",".join(parts) + "}")

    def write_raw(self, text: str) -> int:
        """Write one physical line as given (used for planted malformed records)."""
        if "\n" in text:
            raise ValueError("a JSONL record cannot contain a raw newline")
        start = self.next_line
        self._fh.write(text + "\n")
        self.next_line += 1
        self.rows += 1
        return start

    def close(self) -> None:
        _close_text(self._fh)


_ARROW_TYPES = {
    "string": pa.string(), "enum": pa.string(), "integer": pa.int64(), "decimal": pa.decimal128(18, 2),
    "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32(), "boolean": pa.bool_(),
}


def _typed_array(typ: str, values: tuple) -> pa.Array:
    """A typed Arrow column from Python values (raises when a value does not fit the type)."""
    if typ == "decimal":
        # cents are exactly the unscaled value of DECIMAL(18,2): build the 128-bit buffer directly
        ints = pa.array(values, type=pa.int64())
        cents = np.asarray(ints.fill_null(0), dtype=np.int64)
        data = np.column_stack((cents, cents >> 63)).ravel()
        return pa.Array.from_buffers(pa.decimal128(18, 2), len(values), [ints.buffers()[0], pa.py_buffer(data)],
                                     null_count=ints.null_count)
    if typ == "timestamp":
        local = pa.array(values, type=pa.timestamp("us")).cast(pa.int64())
        return pc.subtract(local, _OFFSET_US).cast(pa.timestamp("us", tz="UTC"))
    return pa.array(values, type=_ARROW_TYPES[typ])


class ParquetFile(DeliveryFile):
    """Typed Parquet (timestamps as UTC instants, decimals as DECIMAL(18,2)), one row group per batch."""

    BATCH = 20_000

    def __init__(self, path, source, delivery, columns, spec):
        super().__init__(path, source, delivery, columns, spec)
        self.schema = pa.schema([pa.field(n, _ARROW_TYPES[t]) for n, t in columns])
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="snappy", write_statistics=True)
        self._buf: list[tuple] = []
        # one C call takes a row's values in column order (rows are captured as tuples when written)
        self._values = operator.itemgetter(*self.names) if len(self.names) > 1 else (
            lambda row: (row[self.names[0]],))

    def write(self, row: dict) -> int:
        try:
            values = self._values(row)
        except KeyError:  # a planted row may leave a column out: that cell is null
            values = tuple(row.get(n) for n in self.names)
        self._buf.append(values)
        self.rows += 1
        if len(self._buf) >= self.BATCH:
            self._flush()
        return self.rows

    @staticmethod
    def _column(name: str, typ: str, values: tuple) -> pa.Array:
        if typ in ("string", "enum"):
            return pa.array(values, type=pa.string())
        try:
            return _typed_array(typ, values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            bad = next((v for v in values if isinstance(v, str)), None)
            if bad is None:
                raise
            raise TypeError(f"Parquet column {name} is typed; cannot hold {bad!r}") from None

    def _flush(self) -> None:
        if not self._buf:
            return
        columns = zip(*self._buf, strict=True)  # row tuples → column tuples, in C
        arrays = [self._column(n, t, vals) for (n, t), vals in zip(self.columns, columns, strict=True)]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self._buf = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def open_delivery_file(root: Path, source: str, delivery: date, stem: str, spec: FileSpec,
                       columns: list[tuple[str, str]]) -> DeliveryFile:
    path = root / source / delivery.isoformat() / (stem + spec.suffix())
    cls = {"csv": CsvFile, "jsonl": JsonlFile, "parquet": ParquetFile}[spec.fmt]
    return cls(path, source, delivery, columns, spec)


