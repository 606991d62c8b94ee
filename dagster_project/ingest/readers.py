"""Reading one landing file into Arrow tables of strings, with the line each record came from.

Why strings: the contract rules (required, type, enum, domain) must see the value *as
delivered* to quarantine it with its raw value and a reason; typing happens afterwards in DuckDB
with TRY_CAST, vectorised. Why Arrow: pyarrow parses CSV and Parquet in C++, so millions of order
lines never go through a Python loop on the common path.

Every table a reader yields has ``__rw_line`` (CSV: physical line where the record starts, the
header being line 1; JSONL: line number; Parquet: row index + 1), the delivered columns under their
delivered names, and optionally:
- ``__rw_rule``/``__rw_col``/``__rw_msg``: a problem found while reading the record
  (``malformed_record``, ``type_invalid``) that quarantines it before any other rule;
- ``__rw_raw``: for a record that could not be split into columns, a JSON stand-in for its raw
  values. The text itself is withheld because nobody can tell which part of it is personal data;
  a keyed hash of it and the (source, delivery, file, line) let an investigator find it in the
  delivered file;
Columns outside the contract are yielded like any other; the loader folds them into
``_extra_columns``. A whole file that cannot be read raises ``FileRejected`` with the contract's file rule.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dagster_project.ingest.discovery import file_kind

CHUNK_ROWS = 200_000
BLOCK_BYTES = 8 << 20
LINE = "__rw_line"
RULE, COL, MSG, RAW, EXTRA = "__rw_rule", "__rw_col", "__rw_msg", "__rw_raw", "__rw_extra"
INTERNAL = (LINE, RULE, COL, MSG, RAW, EXTRA)

Redactor = Callable[[str], str]


class FileRejected(Exception):
    """The whole file is rejected under a file rule (unreadable_file, missing_required_column, ...)."""

    def __init__(self, rule: str, reason: str):
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size of the file's bytes as delivered (compressed files: the compressed bytes)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _open_bytes(path: Path, compressed: bool) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if compressed else open(path, "rb")


@dataclass
class TextInfo:
    encoding: str  # 'utf-8', 'utf-8-sig' (with BOM) or 'gb18030'
    physical_lines: int


def _scan_text(path: Path, compressed: bool, encoding: str) -> TextInfo:
    """Strictly decode the whole (decompressed) file; raises UnicodeDecodeError with the offset."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    newlines = 0
    last = b""
    offset = 0
    with _open_bytes(path, compressed) as fh:
        while block := fh.read(BLOCK_BYTES):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise UnicodeDecodeError(exc.encoding, exc.object, offset + exc.start, offset + exc.end, exc.reason) from None
            newlines += block.count(b"\n")
            last = block[-1:]
            offset += len(block)
        decoder.decode(b"", final=True)
    lines = newlines + (1 if last and last != b"\n" else 0)
    return TextInfo(encoding, lines)


def detect_encoding(path: Path, compressed: bool, allow_gb18030: bool) -> TextInfo:
    """UTF-8 (BOM stripped) if the bytes are strictly valid UTF-8, else GB18030 if strictly valid.

    Both decodings are strict, so a file is only accepted under an encoding in which every byte is
    meaningful; anything else is rejected (``undecodable_encoding``) instead of being loaded with
    replacement characters. GB18030 is a superset of GBK and GB2312, which it therefore covers.
    """
    try:
        with _open_bytes(path, compressed) as fh:
            bom = fh.read(3) == codecs.BOM_UTF8
        return _scan_text(path, compressed, "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as utf8_error:
        if not allow_gb18030:
            raise FileRejected(
                "undecodable_encoding", f"not valid UTF-8 (first invalid byte at offset {utf8_error.start})"
            ) from None
        try:
            return _scan_text(path, compressed, "gb18030")
        except UnicodeDecodeError as gb_error:
            raise FileRejected(
                "undecodable_encoding",
                f"neither valid UTF-8 (first invalid byte at offset {utf8_error.start}) "
                f"nor valid GB18030 (offset {gb_error.start})",
            ) from None
    except (OSError, EOFError, zlib.error) as exc:
        # The exception text can quote the file's first bytes; a message must never carry content.
        what = "not a valid gzip file" if compressed else "cannot be read"
        raise FileRejected("unreadable_file", f"{what} ({type(exc).__name__})") from None


def _redacted(text: str, redact: Redactor, why: str) -> str:
    return json.dumps(
        {"_unparsed": f"withheld ({why}; may contain personal data)", "_unparsed_hmac": redact(text), "_chars": len(text)}
    )


@dataclass
class Reader:
    """Base: a file, its format, and what reading found out (header, encoding, extras)."""

    path: Path
    compressed: bool
    redact: Redactor
    format: str = ""
    encoding: str | None = None
    header: list[str] | None = None  # delivered column names, known after open() (JSONL: after reading)
    seen_columns: list[str] = field(default_factory=list)
    estimated_rows: int | None = None  # for progress only (text: physical lines after the header)

    def open(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def batches(self) -> Iterator[pa.Table]:  # pragma: no cover - interface
        raise NotImplementedError


def _check_header(names: list[str]) -> list[str]:
    names = [n.strip() for n in names]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0].lstrip("\ufeff").strip()
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FileRejected("unreadable_file", f"header repeats column name(s) {', '.join(map(repr, dupes))}")
    clash = [n for n in names if n in INTERNAL]
    if clash:
        raise FileRejected("unreadable_file", f"header uses reserved column name(s) {clash}")
    return names


class CsvReader(Reader):
    """RFC 4180 CSV. Fast path: pyarrow's streaming parser; line numbers are derived from the count
    of newlines inside each record and verified against the file's physical line count. When they
    do not add up (blank lines, bare CR line ends) or pyarrow refuses the file (a record with the
    wrong number of fields), the exact path re-reads it with Python's csv module, which tracks the
    line of every record and turns a wrong-length record into one ``malformed_record`` row."""

    def open(self) -> None:
        info = detect_encoding(self.path, self.compressed, allow_gb18030=True)
        self.encoding = info.encoding
        self.physical_lines = info.physical_lines
        with self._text() as text:
            reader = csv.reader(text, strict=True)
            try:
                names = next(reader)
            except StopIteration:
                raise FileRejected("unreadable_file", "empty file: no header row") from None
            except csv.Error as exc:
                raise FileRejected("unreadable_file", f"header row is not valid CSV: {exc}") from None
            self.header_lines = reader.line_num
        self.header = _check_header(names)
        self.seen_columns = list(self.header)
        self.used_fast_path = False
        self.estimated_rows = max(self.physical_lines - self.header_lines, 0)

    def _text(self) -> io.TextIOWrapper:
        return io.TextIOWrapper(_open_bytes(self.path, self.compressed), encoding=self.encoding, newline="")

    def batches(self) -> Iterator[pa.Table]:
        """Yield tables; the caller must discard what it got when ``RestartExact`` is raised."""
        yield from self._fast() if self.header_lines == 1 else self.exact_batches()

    def _fast(self) -> Iterator[pa.Table]:
        header = self.header
        try:
            stream = pacsv.open_csv(
                _open_bytes(self.path, self.compressed),
                read_options=pacsv.ReadOptions(
                    column_names=header, skip_rows=1, block_size=BLOCK_BYTES, encoding=self.encoding.replace("-sig", "")
                ),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in header}, strings_can_be_null=False, quoted_strings_can_be_null=False
                ),
            )
        except (pa.ArrowInvalid, OSError) as exc:
            if not self._has_data_rows():
                return
            raise RestartExact(str(exc)) from None
        next_line = 2
        try:
            for batch in stream:
                n = batch.num_rows
                if n == 0:
                    continue
                inner = None
                for col in batch.columns:
                    cnt = pc.fill_null(pc.count_substring(col, "\n"), 0)
                    inner = cnt if inner is None else pc.add(inner, cnt)
                inner = inner.cast(pa.int64())
                before = pc.subtract(pc.cumulative_sum(inner), inner)
                lines = pc.add(pc.add(pa.array(range(n), pa.int64()), before), next_line)
                next_line += n + pc.sum(inner).as_py()
                table = pa.Table.from_batches([batch]).add_column(0, LINE, lines)
                yield table
        except (pa.ArrowInvalid, OSError) as exc:
            raise RestartExact(str(exc)) from None
        if next_line - 1 != self.physical_lines:
            raise RestartExact(f"line accounting {next_line - 1} != {self.physical_lines} physical lines")
        self.used_fast_path = True

    def _has_data_rows(self) -> bool:
        return self.physical_lines > self.header_lines

    def exact_batches(self) -> Iterator[pa.Table]:
        header = self.header
        width = len(header)
        with self._text() as text:
            reader = csv.reader(text, strict=True)
            rows: list[list[str]] = []
            lines: list[int] = []
            bad: list[tuple[int, str, str]] = []  # (index in rows, message, raw)
            prev_end = 0
            try:
                for record in reader:
                    start = prev_end + 1
                    prev_end = reader.line_num
                    if start <= self.header_lines:
                        continue  # the header
                    if not record:
                        continue  # a blank line is not a record
                    if len(record) != width:
                        bad.append((len(rows), f"has {len(record)} fields, the header has {width}", ",".join(record)))
                        record = [None] * width
                    rows.append(record)
                    lines.append(start)
                    if len(rows) >= CHUNK_ROWS:
                        yield self._table(rows, lines, bad)
                        rows, lines, bad = [], [], []
            except csv.Error as exc:
                raise FileRejected("unreadable_file", f"not valid CSV at line {prev_end + 1}: {exc}") from None
            if rows:
                yield self._table(rows, lines, bad)

    def _table(self, rows, lines, bad) -> pa.Table:
        columns = {LINE: pa.array(lines, pa.int64())}
        for i, name in enumerate(self.header):
            columns[name] = pa.array([r[i] for r in rows], pa.string())
        if bad:
            n = len(rows)
            rule, msg, raw = [None] * n, [None] * n, [None] * n
            for idx, text, raw_text in bad:
                rule[idx], msg[idx] = "malformed_record", text
                raw[idx] = _redacted(raw_text, self.redact, "record could not be split into columns")
            columns[RULE] = pa.array(rule, pa.string())
            columns[MSG] = pa.array(msg, pa.string())
            columns[RAW] = pa.array(raw, pa.string())
        return pa.table(columns)


class RestartExact(Exception):
    """The fast CSV path cannot vouch for its line numbers: re-read the file on the exact path."""


# Numbers (and NaN/Infinity) are kept as their delivered text: one decoder, built once (json.loads
# with hooks builds a new decoder for every line).
_DECODER = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)
_SCALAR_TYPES = frozenset({str, bool, type(None)})  # a JSONL value once numbers are text, unless nested
_ARROW_SCALARS = (pa.string(), pa.bool_(), pa.null())  # what Arrow infers from such values


class JsonlReader(Reader):
    """One JSON object per line, UTF-8. A line that is not a JSON object is one malformed record;
    blank lines are not records. Numbers are kept as their delivered text (no float rounding)."""

    def open(self) -> None:
        info = detect_encoding(self.path, self.compressed, allow_gb18030=False)
        self.encoding = info.encoding
        self.estimated_rows = info.physical_lines

    def batches(self) -> Iterator[pa.Table]:
        seen: dict[str, None] = {}
        seen_keys = seen.keys()
        records: list[dict] = []
        lines: list[int] = []
        problems: dict[int, tuple[str, str | None, str, str | None]] = {}
        with _open_bytes(self.path, self.compressed) as fh:
            for number, raw_line in enumerate(fh, start=1):
                text = raw_line.decode("utf-8").rstrip("\r\n")
                if number == 1:
                    text = text.lstrip("\ufeff")
                if not text.strip():
                    continue
                try:
                    obj = _DECODER.decode(text)
                except json.JSONDecodeError as exc:  # its message names a position, never content
                    obj = None
                    why = f"not valid JSON: {exc.msg} at column {exc.colno}"
                except RecursionError:
                    obj = None
                    why = "not valid JSON: nested too deeply"
                else:
                    why = None if isinstance(obj, dict) else f"a JSON {type(obj).__name__}, not an object"
                if why:
                    problems[len(records)] = ("malformed_record", None, why, _redacted(text, self.redact, "line is not a JSON object"))
                    obj = {}
                else:
                    if not seen_keys >= obj.keys():
                        for key in obj:
                            seen.setdefault(key, None)
                        seen_keys = seen.keys()
                    # Numbers arrive as text already and true/false become text in _string_columns:
                    # only a record holding an object or an array needs its values visited here.
                    if not _SCALAR_TYPES.issuperset(map(type, obj.values())):
                        self._plain_values(obj, len(records), problems)
                records.append(obj)
                lines.append(number)
                if len(records) >= CHUNK_ROWS:
                    yield self._table(records, lines, problems, seen)
                    records, lines, problems = [], [], {}
        if records:
            yield self._table(records, lines, problems, seen)
        self.seen_columns = list(seen)
        self.header = self.seen_columns

    @staticmethod
    def _plain_values(obj: dict, index: int, problems: dict) -> None:
        """An object or array as its JSON text, and the record's first such key is its ``type_invalid``
        problem (unless the record already has one); true/false are left to ``_string_columns``."""
        for key, value in obj.items():
            if isinstance(value, dict | list):
                obj[key] = json.dumps(value, ensure_ascii=False)
                if index not in problems:
                    problems[index] = ("type_invalid", key, f"{key} is a JSON {type(value).__name__}, not a value", None)

    def _table(self, records, lines, problems, seen) -> pa.Table:
        names = [k for k in seen if k not in INTERNAL]
        columns = {LINE: pa.array(lines, pa.int64())}
        columns.update(_string_columns(records, names))
        if problems:
            n = len(records)
            for key, pos in ((RULE, 0), (COL, 1), (MSG, 2), (RAW, 3)):
                values = [None] * n
                for idx, problem in problems.items():
                    values[idx] = problem[pos]
                columns[key] = pa.array(values, pa.string())
        return pa.table(columns)


def _string_columns(records: list[dict], names: list[str]) -> dict[str, pa.Array]:
    """One string column per name from the records' values (text, true/false, null; a missing key is null).

    Fast path: Arrow infers one struct from all the dicts in C++ (a column of true/false becomes
    bool, cast to the same "true"/"false" text). A chunk Arrow cannot type that way (a column mixing
    text and true/false, a nested value) takes the exact path, value by value in Python.
    """
    try:
        struct = pa.array(records)
    except (pa.ArrowException, ValueError, TypeError):  # mixed types, text Arrow cannot encode, ...
        struct = None
    if struct is not None and pa.types.is_struct(struct.type) and all(
            f.type in _ARROW_SCALARS for f in struct.type):
        inferred = {f.name: col for f, col in zip(struct.type, struct.flatten(), strict=True)}
        return {name: inferred[name].cast(pa.string()) if name in inferred else pa.nulls(len(records), pa.string())
                for name in names}
    for obj in records:
        for key, value in obj.items():
            if isinstance(value, bool):
                obj[key] = "true" if value else "false"
    return {name: pa.array([r.get(name) for r in records], pa.string()) for name in names}


class ParquetReader(Reader):
    """Parquet, read in row batches; every column is cast to its string form so the same rules
    apply as for text files (a native Parquet timestamp without time zone counts as local time)."""

    def open(self) -> None:
        try:
            self._file = pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FileRejected("unreadable_file", f"not a readable Parquet file: {exc}") from None
        self.header = _check_header(list(self._file.schema_arrow.names))
        self.seen_columns = list(self.header)
        self.estimated_rows = self._file.metadata.num_rows

    def batches(self) -> Iterator[pa.Table]:
        start = 1
        try:
            for batch in self._file.iter_batches(batch_size=CHUNK_ROWS):
                columns = {LINE: pa.array(range(start, start + batch.num_rows), pa.int64())}
                for name, col in zip(self.header, batch.columns, strict=True):
                    columns[name] = _as_string(name, col)
                start += batch.num_rows
                yield pa.table(columns)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise FileRejected("unreadable_file", f"Parquet data cannot be read: {exc}") from None


def _as_string(name: str, col: pa.Array) -> pa.Array:
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_large_string(col.type) or pa.types.is_dictionary(col.type):
        return col.cast(pa.string())
    if pa.types.is_nested(col.type) or pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
        raise FileRejected("unreadable_file", f"column {name!r} has Parquet type {col.type}, not a scalar value")
    if pa.types.is_timestamp(col.type) and col.type.tz is not None:
        # Printed as UTC with a 'Z' suffix. Arrow formats a zoned timestamp through the time-zone
        # database value by value (~1 µs each: a minute per 10 M lines of six timestamp columns);
        # the stored instant is UTC already, so format it as a plain timestamp and add the 'Z'.
        text = col.cast(pa.timestamp(col.type.unit)).cast(pa.string())
        return pc.binary_join_element_wise(text, pa.scalar("Z"), "")
    return col.cast(pa.string())


READERS = {"csv": CsvReader, "jsonl": JsonlReader, "parquet": ParquetReader}


def open_reader(path: Path, redact: Redactor) -> Reader:
    kind = file_kind(path.name)
    if kind is None:
        raise FileRejected("unreadable_file", "unknown file type")
    fmt, compressed = kind
    reader = READERS[fmt](path=path, compressed=compressed, redact=redact)
    reader.format = fmt
    reader.open()
    return reader
