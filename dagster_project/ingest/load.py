"""Ingesting one source: every new or corrected file of every delivery, one transaction per file.

Per file:
1. hash the bytes; same bytes as the registry's current entry → nothing to do;
2. read (readers.py) into a connection-local temporary stage table, pseudonymising personal-data
   columns in Arrow *before* the values reach DuckDB;
3. type and check every row in SQL (rules.py);
4. in ONE transaction: retire the previous version of the file (registry row superseded, its raw
   and quarantine rows deleted), insert loaded rows into raw.<source>, quarantined rows into
   meta.quarantine, the registry entry; check rows_read = rows_loaded + rows_quarantined; commit.
A crash at any point leaves either the old version of the file or the new one, never half.
A file that cannot be read at all is registered 'rejected' (also one transaction) and the rest of
the delivery still loads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.cli.progress_meter import RateMeter, live_output
from dagster_project.contract import load_contract
from dagster_project.contract.contract import SourceContract
from dagster_project.ingest import registry, rules
from dagster_project.ingest.delivery_keys import files_judged_with_others, judge_delivery_keys
from dagster_project.ingest.discovery import Delivery, file_kind, record_issues, scan_source, shown_path
from dagster_project.ingest.erasure_list import erased_tags
from dagster_project.ingest.hidden_pii import redact_columns
from dagster_project.ingest.prefetch import prefetched
from dagster_project.ingest.pseudonymise import Pseudonymiser
from dagster_project.ingest.readers import (
    INTERNAL,
    LINE,
    FileRejected,
    Reader,
    RestartExact,
    file_sha256,
    open_reader,
)
from dagster_project.ingest.results import FileResult, SourceResult

Progress = Callable[[str], None] | None
_VIEW = "_rw_batch"
STAGE_ROWS = 250_000


class LandingEntryUnreadable(RuntimeError):
    """A delivery file that could not be read at all (e.g. permission denied): reported as a landing
    issue, the rest of the delivery still loads."""


class ReconciliationError(RuntimeError):
    """rows_read != rows_loaded + rows_quarantined for a file: nothing of it is committed."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    landing_root: Path,
    key: bytes,
    run_id: str,
    progress: Progress = None,
    delivery_done: Callable[[dt.date], None] | None = None,
) -> SourceResult:
    """Load every new or changed file of ``source`` in delivery-date, then file-name order.

    Folder problems under the source (not a date, unknown file types) go to meta.landing_issues.
    ``delivery_done(date)`` is called once a delivery's rows are final (its files loaded and the key
    rule across them applied) and it loaded any: the pipeline validates it then, while later ones load.
    """
    contract = load_contract()
    spec = contract[source]
    deliveries, issues = scan_source(Path(landing_root), source)
    record_issues(con, issues, run_id)
    result = SourceResult(source=source)
    hasher = Pseudonymiser(key, erased=erased_tags(con))
    for delivery in deliveries:
        loaded = _ingest_delivery(con, spec, contract.default_timezone, delivery, hasher, run_id, result, progress)
        if loaded and delivery_done is not None:
            delivery_done(delivery.delivery_date)
    return result


def _ingest_delivery(con, spec: SourceContract, timezone: str, delivery: Delivery, hasher: Pseudonymiser,
                     run_id: str, result: SourceResult, progress: Progress) -> bool:
    """Every new or changed file of one delivery, then the key rule across its files; whether a file loaded."""
    registered = registry.current_file_names(con, spec.name, delivery.delivery_date)
    processed: set[str] = set()

    def load(path: Path) -> None:
        try:
            file_result = ingest_file(con, spec, timezone, delivery, path, hasher, run_id)
        except LandingEntryUnreadable as exc:  # became unreadable since the scan: reported, not fatal
            record_issues(con, [(shown_path(path), str(exc))], run_id)
            if progress is not None:
                progress(f"{shown_path(path)}: {exc}")
            return
        if file_result.status == "unchanged":
            result.skipped_unchanged += 1
        else:
            processed.add(path.name)
            result.files.append(file_result)
        if progress is not None:
            progress(file_result.progress_line())

    for path in delivery.files:
        load(path)
    if processed & registered:  # a correction: verdicts judged against its old version are void
        by_name = {p.name: p for p in delivery.files}
        for name in files_judged_with_others(con, spec, delivery.delivery_date, processed):
            if name in by_name:
                registry.retire_for_rereading(con, spec.raw_table, spec.name, delivery.delivery_date, name)
                load(by_name[name])
    loaded = any(f.status == "loaded" and f.delivery_date == delivery.delivery_date and f.file_name in processed
                 for f in result.files)
    if loaded:
        moved = judge_delivery_keys(con, spec, delivery.delivery_date, run_id)
        result.rows_quarantined_across_files += moved
        if moved and progress is not None:
            progress(f"{spec.name} {delivery.delivery_date.isoformat()}: {moved:,} row(s) quarantined by the "
                     "duplicate/conflict key rule across the files of the delivery")
    return loaded


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    spec: SourceContract,
    timezone: str,
    delivery: Delivery,
    path: Path,
    hasher: Pseudonymiser,
    run_id: str,
) -> FileResult:
    name = path.name
    started = time.monotonic()
    try:
        sha, size = file_sha256(path)
    except OSError as exc:
        raise LandingEntryUnreadable(f"cannot be read ({exc.strerror or exc}); not read") from exc
    base = dict(source=spec.name, delivery_date=delivery.delivery_date, file_name=name, file_sha256=sha)
    current = registry.current_entry(con, spec.name, delivery.delivery_date, name)
    if current is not None and current.file_sha256 == sha:
        return FileResult(**base, status="unchanged", rows_read=current.rows_read, rows_loaded=current.rows_loaded,
                          rows_quarantined=current.rows_quarantined, message=current.message)
    loaded_at = _utcnow()
    entry = dict(source=spec.name, delivery_date=delivery.delivery_date, file_name=name, file_sha256=sha,
                 file_bytes=size, loaded_at=loaded_at, run_id=run_id)
    first = registry.first_delivery_of(con, spec.name, sha, delivery.delivery_date, name)
    if first is not None:
        message = f"{name}: repeat of {spec.name}/{first[0].isoformat()}/{first[1]} (same bytes); nothing read"
        _write_registry_only(con, spec, entry, "repeat", message, current is not None)
        return FileResult(**base, status="repeat", message=message)
    reader: Reader | None = None
    try:
        reader = open_reader(path, redact=hasher)
        if reader.header is not None:
            _require_columns(spec, reader.header)
        meter = RateMeter(f"{spec.name} {delivery.delivery_date} {name}", reader.estimated_rows, live_output())
        try:
            rows_read, batches = _stage(con, spec, timezone, reader, hasher, meter)
        finally:
            meter.close()
        _require_columns(spec, reader.seen_columns, rows_read=rows_read)
    except FileRejected as rejection:
        message = f"{name}: {rejection.rule}: {rejection.reason}"
        _write_rejection(con, spec, entry, reader, message, current is not None)
        return FileResult(**base, status="rejected", message=message)

    extras = [c for c in reader.seen_columns if c not in spec.column_names]
    con.execute(rules.key_verdicts_sql(spec))
    _key_rule_raw_values(con, spec, batches, hasher)
    params = {"delivery_date": delivery.delivery_date, "file_name": name, "sha": sha, "loaded_at": loaded_at}
    con.execute("BEGIN TRANSACTION")
    try:
        if current is not None:
            registry.retire_previous(con, spec.raw_table, spec.name, delivery.delivery_date, name)
        loaded = con.execute(rules.raw_insert_sql(spec), params).fetchone()[0]
        quarantined = con.execute(rules.quarantine_insert_sql(spec), {**params, "run_id": run_id}).fetchone()[0]
        if rows_read != loaded + quarantined:
            raise ReconciliationError(
                f"{spec.name} {delivery.delivery_date} {name}: {rows_read} rows read but {loaded} loaded + "
                f"{quarantined} quarantined; nothing of this file was committed"
            )
        registry.insert_entry(
            con, **entry, file_format=reader.format, encoding=reader.encoding, status="loaded",
            rows_read=rows_read, rows_loaded=loaded, rows_quarantined=quarantined,
            extra_columns=json.dumps(extras, ensure_ascii=False) if extras else None, message=None,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _drop_temp(con)
    return FileResult(**base, status="loaded", rows_read=rows_read, rows_loaded=loaded, rows_quarantined=quarantined,
                      seconds=time.monotonic() - started)


def _require_columns(spec: SourceContract, columns: list[str], rows_read: int | None = None) -> None:
    """Reject the file when a required contract column is absent (from the header; for JSONL from
    every record, which is how a JSONL file "lacks" a column). A JSONL file with no records is empty,
    not incomplete."""
    if rows_read == 0:
        return
    missing = [c for c in spec.required_columns if c not in set(columns)]
    if missing:
        raise FileRejected(
            "missing_required_column",
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing from the header",
        )


def _stage(con, spec: SourceContract, timezone: str, reader: Reader, hasher: Pseudonymiser,
           meter: RateMeter) -> tuple[int, Callable]:
    """Type and check the file into the temporary stage table.

    Returns the number of records read and the way the file was read (to read it again)."""
    try:
        return _stage_batches(con, spec, timezone, reader.batches(), hasher, meter), reader.batches
    except RestartExact:
        meter.rows = 0
        return _stage_batches(con, spec, timezone, reader.exact_batches(), hasher, meter), reader.exact_batches


def _key_rule_raw_values(con, spec: SourceContract, batches: Callable, hasher: Pseudonymiser) -> None:
    """Fetch the delivered values of records caught by a key rule with a second, filtered read.

    The stage keeps delivered strings only for rows breaking a row rule (keeping them for every
    row would double the cost of a clean file); duplicates and conflicts are rare, and only their
    lines are pseudonymised and kept from the second read."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rules.KEY_RAW} ({LINE} BIGINT, raw_values VARCHAR)")
    lines = [row[0] for row in con.execute(f"SELECT {LINE} FROM {rules.KEYS}").fetchall()]
    if not lines:
        return
    wanted = pa.array(lines, pa.int64())
    pii = {c.name for c in spec.pii_columns}
    for table in batches():
        table = table.filter(pc.is_in(table.column(LINE), value_set=wanted))
        if table.num_rows == 0:
            continue
        table = _pseudonymised(table, pii, hasher, frozenset(spec.column_names), spec.free_text_columns)
        con.register(_VIEW, table)
        try:
            con.execute(rules.key_raw_insert_sql(spec, table.column_names, _VIEW))
        finally:
            con.unregister(_VIEW)


def _stage_batches(con, spec: SourceContract, timezone: str, batches, hasher: Pseudonymiser,
                   meter: RateMeter | None = None) -> int:
    con.execute(rules.create_stage_sql(spec))
    pii = {c.name for c in spec.pii_columns}
    rows = 0
    # The stage carries each record's line, so its physical order does not matter; letting DuckDB
    # insert in any order roughly halves the cost of materialising a big file.
    previous = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = false")
    try:
        # the next batch is read and pseudonymised while DuckDB types and checks this one
        contract_columns = frozenset(spec.column_names)
        ready = prefetched(
            (_pseudonymised(table, pii, hasher, contract_columns, spec.free_text_columns)
             for table in _coalesced(batches)),
            name=f"rw-read-{spec.name}",
        )
        for table in ready:
            con.register(_VIEW, table)
            try:
                con.execute(rules.stage_insert_sql(spec, table.column_names, _VIEW, timezone))
            finally:
                con.unregister(_VIEW)
            rows += table.num_rows
            if meter is not None:
                meter.advance(table.num_rows)
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if previous else 'false'}")
    return rows


def _coalesced(batches, min_rows: int = STAGE_ROWS):
    """Group reader tables into chunks of at least ``min_rows``: the rule SQL is large, and planning
    it once per small parser block would cost more than running it."""
    pending: list[pa.Table] = []
    size = 0
    for table in batches:
        pending.append(table)
        size += table.num_rows
        if size >= min_rows:
            yield pa.concat_tables(pending, promote_options="default")
            pending, size = [], 0
    if pending:
        yield pa.concat_tables(pending, promote_options="default")


# Extra (non-contract) columns are kept, but one whose name suggests personal data is pseudonymised
# like a contract personal-data column: a platform adding `buyer_phone` must not put it in clear.
_PERSONAL_NAME = re.compile(
    r"phone|mobile|tel(ephone)?$|e_?mail|id_?card|identity|passport|address|consumer|buyer|customer|"
    r"recipient|receiver|contact|手机|电话|身份证|地址|姓名|邮箱",
    re.IGNORECASE,
)


def _pseudonymised(table: pa.Table, pii: set[str], hasher: Pseudonymiser,
                   contract_columns: frozenset[str] = frozenset(), free_text: tuple[str, ...] = ()) -> pa.Table:
    """Replace personal-data columns by their pseudonyms before DuckDB ever sees the table, and
    personal data hidden in free text and in the other extra columns by pseudonym tokens."""
    hidden_pii_columns = list(free_text)
    for i, name in enumerate(table.column_names):
        extra = bool(contract_columns) and name not in contract_columns and name not in INTERNAL
        if (name in pii or (extra and _PERSONAL_NAME.search(name) is not None)) and name not in INTERNAL:
            table = table.set_column(i, name, hasher.array(table.column(i)))
        elif extra:
            hidden_pii_columns.append(name)
    return redact_columns(table, hidden_pii_columns, hasher)


def _write_rejection(con, spec: SourceContract, entry: dict, reader: Reader | None, message: str, had_previous: bool) -> None:
    _write_registry_only(con, spec, entry, "rejected", message, had_previous, reader.encoding if reader else None)


def _write_registry_only(con, spec: SourceContract, entry: dict, status: str, message: str, had_previous: bool,
                         encoding: str | None = None) -> None:
    """Register a file that loads no row (rejected, or a repeat of bytes already delivered), retiring
    the rows of its previous version in the same transaction."""
    _drop_temp(con)
    con.execute("BEGIN TRANSACTION")
    try:
        if had_previous:
            registry.retire_previous(con, spec.raw_table, spec.name, entry["delivery_date"], entry["file_name"])
        registry.insert_entry(
            con, **entry, file_format=(file_kind(entry["file_name"]) or (None,))[0], encoding=encoding,
            status=status, rows_read=0, rows_loaded=0, rows_quarantined=0, extra_columns=None, message=message,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {rules.STAGE}")
    for table in (rules.KEYS, rules.KEY_RAW):
        con.execute(f"DROP TABLE IF EXISTS {table}")
