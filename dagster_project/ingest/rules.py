"""The contract's row rules as DuckDB SQL, generated from the typed contract.

Rules run as set-based SQL over the staged, all-VARCHAR file (one statement for typing and the
row rules, window functions for the key rules), so a million order lines cost seconds, not a
Python loop.

Rule order (a row breaking several rules is quarantined once, under the first; its message lists
every violation found):
  1. problems found while reading the record: ``malformed_record`` (not a record at all), then
     ``type_invalid`` for a JSON object/array where a value belongs;
  2. ``required_missing``   — contract column order;
  3. ``type_invalid``       — contract column order;
  4. ``enum_invalid``       — contract column order;
  5. ``domain_violation``   — min / min_exclusive / max, contract column order;
  6. ``license_check_failed`` — GB 32100-2015 check character;
  7. ``conflicting_key``    — same key and version column in one file, copies differ: every copy;
  8. ``duplicate_key``      — same key and version, identical in every column: each extra copy
     (the first by line loads).
Key rules only look at rows that passed 1-6: a row whose key or version does not parse cannot be
compared, and it is already quarantined.

Value semantics: an empty (or blank) value is missing; strings and enums are kept exactly as
delivered (no trimming, no case folding); numbers, dates, timestamps and booleans are parsed
strictly (surrounding blanks tolerated) — a value DuckDB would coerce but the contract does not
allow (``1.5`` as an integer, ``1e3`` as money, ``2026/10/01`` as a date) is ``type_invalid``.
Timestamps without offset are read in the contract's default time zone and stored as naive UTC.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from dagster_project.contract.contract import Column, SourceContract
from dagster_project.ingest.readers import COL, LINE, MSG, RAW, RULE
from dagster_project.ingest.uscc import uscc_valid_sql
from dagster_project.warehouse.sql_quote import lit, q

EXTRA = "__rw_extra"
STAGE = "_rw_stage"
KEYS = "_rw_keys"
KEY_RAW = "_rw_key_raw"

_INT_RE = r"[+-]?\d+"
_INT_POINT_ZERO_RE = r"[+-]?\d+\.0*"  # 3.0 (e.g. a Parquet float column) is the integer 3; 3.5 is not an integer
_DEC_RE = r"[+-]?(\d+(\.\d*)?|\.\d+)"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_TS_LOCAL_RE = _DATE_RE + f"({_TIME})?"
_TS_OFFSET_RE = _DATE_RE + _TIME + r"(Z|z|[+-]\d{2}(:?\d{2})?)"
# The fast paths' shapes: anchored and untrimmed, so one pass of RE2 over short ASCII (as cheap as
# testing characters by position, which let DuckDB's lenient cast accept '2026-10-01T 5:00:00').
_PLAIN_RE = _DATE_RE + r"[T ]\d{2}:\d{2}:\d{2}"
_ZULU_RE = _PLAIN_RE + r"(\.\d{1,6})?Z"
_HHMM_OFFSET = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})([Zz+-])"  # DuckDB needs seconds before an offset
BOOL_TRUE = ("true", "1", "yes")
BOOL_FALSE = ("false", "0", "no")


def typed_name(col: Column) -> str:
    return q("__t_" + col.name)


def _missing(ref: str, col: Column | None = None) -> str:
    """Missing = NULL, empty or blank. Personal-data columns arrive already pseudonymised, with a
    blank value turned into NULL, so for them NULL is the whole test."""
    if col is not None and col.pii:
        return f"({ref} IS NULL)"
    return f"({ref} IS NULL OR trim({ref}) = '')"


def missing_name(col: Column) -> str:
    """Column holding whether the delivered value is missing (computed once, used by several rules)."""
    return q("__m_" + col.name)


def _typed_expr(col: Column, timezone: str) -> str:
    """Typed value of a delivered string; NULL when missing or unparsable (told apart by _missing)."""
    ref = q(col.name)
    if col.pii:
        return ref
    p = f"CASE WHEN NOT {missing_name(col)} THEN {ref} END"
    t = f"trim({ref})"
    if col.type in ("string", "enum"):
        return p
    if col.type == "integer":
        return (
            f"CASE WHEN regexp_full_match({t}, {lit(_INT_RE)}) THEN TRY_CAST({t} AS BIGINT) "
            f"WHEN regexp_full_match({t}, {lit(_INT_POINT_ZERO_RE)}) THEN TRY_CAST(split_part({t}, '.', 1) AS BIGINT) END"
        )
    if col.type == "decimal":
        return f"CASE WHEN regexp_full_match({t}, {lit(_DEC_RE)}) THEN TRY_CAST({t} AS DECIMAL(18,2)) END"
    if col.type == "date":
        return f"CASE WHEN regexp_full_match({t}, {lit(_DATE_RE)}) THEN TRY_CAST({t} AS DATE) END"
    if col.type == "boolean":
        return (
            f"CASE WHEN lower({t}) IN ({', '.join(map(lit, BOOL_TRUE))}) THEN true "
            f"WHEN lower({t}) IN ({', '.join(map(lit, BOOL_FALSE))}) THEN false END"
        )
    if col.type == "timestamp":
        # Fast paths for the two common shapes, 'YYYY-MM-DDTHH:MM:SS' (no offset: local time) and the
        # same in UTC with a 'Z' (what a zoned Parquet timestamp is read as): a plain cast is far
        # cheaper than the general branches' trim, replace and zoned cast (2-3x at 1 M values), which
        # then only see the other shapes. Both give what the general branches give, valid or not
        # (tests/test_ingest_rules.py compares them on thousands of near misses).
        return (
            f"CASE WHEN {_plain_shape(ref)} THEN {local_to_utc_sql(f'TRY_CAST({ref} AS TIMESTAMP)', timezone)} "
            f"WHEN {_zulu_shape(ref)} THEN TRY_CAST(left({ref}, length({ref}) - 1) AS TIMESTAMP) "
            f"{_general_timestamp(ref, timezone)} END"
        )
    raise ValueError(f"unknown contract type {col.type!r} for {col.name}")


def _plain_shape(ref: str) -> str:
    return f"regexp_full_match({ref}, {lit(_PLAIN_RE)})"


def _zulu_shape(ref: str) -> str:
    return f"regexp_full_match({ref}, {lit(_ZULU_RE)})"


def _general_timestamp(ref: str, timezone: str) -> str:
    """The WHEN branches that type any timestamp shape the contract accepts (regular expressions)."""
    t = f"trim({ref})"
    return (
        f"WHEN regexp_full_match({t}, {lit(_TS_OFFSET_RE)}) "
        f"THEN timezone('UTC', TRY_CAST(regexp_replace({t}, {lit(_HHMM_OFFSET)}, '\\1:00\\2') AS TIMESTAMPTZ)) "
        f"WHEN regexp_full_match({t}, {lit(_TS_LOCAL_RE)}) "
        f"THEN {local_to_utc_sql(f'TRY_CAST({t} AS TIMESTAMP)', timezone)}"
    )


def general_timestamp_sql(ref: str, timezone: str) -> str:
    """A timestamp typed by the general branches alone, to test the fast paths against."""
    return f"CASE {_general_timestamp(ref, timezone)} END"


@cache
def fixed_offset_since(timezone: str) -> tuple[dt.datetime, dt.timedelta] | None:
    """(local start, offset) from which ``timezone`` has kept one UTC offset through 2100, if any.

    Asia/Shanghai has been UTC+8 without daylight saving since 1992; for such a zone a local time is
    converted with plain interval arithmetic (vectorised, ~10x faster than ICU time-zone lookups)
    and ICU is only asked about older values.
    """
    zone = ZoneInfo(timezone)
    offset = dt.datetime(2100, 1, 1, tzinfo=zone).utcoffset()
    since = None
    for year in range(2100, 1899, -1):
        if any(dt.datetime(year, m, 1, tzinfo=zone).utcoffset() != offset for m in range(1, 13)):
            break
        since = year
    if since is None:
        return None
    return dt.datetime(since, 1, 1), offset


def local_to_utc_sql(expr: str, timezone: str) -> str:
    """Naive local TIMESTAMP ``expr`` in ``timezone`` -> naive UTC TIMESTAMP."""
    icu = f"timezone('UTC', timezone({lit(timezone)}, {expr}))"
    fixed = fixed_offset_since(timezone)
    if fixed is None:
        return icu
    since, offset = fixed
    seconds = int(offset.total_seconds())
    return (
        f"CASE WHEN {expr} >= TIMESTAMP '{since.isoformat(sep=' ')}' "
        f"THEN {expr} - INTERVAL ({seconds}) SECOND ELSE {icu} END"
    )


def _shown(ref: str) -> str:
    """A delivered value quoted and cut for a message (personal data is already pseudonymised)."""
    return f"'''' || left({ref}, 80) || CASE WHEN length({ref}) > 80 THEN '…' ELSE '' END || ''''"


def _violation(rule: str, col: str | None, cond: str, detail: str) -> tuple[str, str]:
    struct = f"{{'rule': {lit(rule)}, 'col': {lit(col) if col else 'NULL::VARCHAR'}, 'detail': {detail}}}"
    return cond, f"CASE WHEN {cond} THEN {struct} END"


def row_violations(source: SourceContract) -> list[tuple[str, str]]:
    """(condition, struct expression) per (rule, column) check, in the documented order."""
    checks: list[tuple[str, str]] = [
        (
            f"{RULE} IS NOT NULL",
            f"CASE WHEN {RULE} IS NOT NULL THEN {{'rule': {RULE}, 'col': {COL}, 'detail': coalesce({MSG}, '')}} END",
        )
    ]
    cols = source.columns
    for c in cols:
        if c.required:
            checks.append(_violation("required_missing", c.name, missing_name(c), "'required value missing'"))
    for c in cols:
        if c.type not in ("string", "enum"):
            checks.append(
                _violation(
                    "type_invalid",
                    c.name,
                    f"(NOT {missing_name(c)} AND {typed_name(c)} IS NULL)",
                    f"{_shown(q(c.name))} || ' is not a valid {c.type}'",
                )
            )
    for c in cols:
        if c.type == "enum" and c.values:
            allowed = ", ".join(lit(v) for v in c.values)
            checks.append(
                _violation(
                    "enum_invalid",
                    c.name,
                    f"({typed_name(c)} IS NOT NULL AND {typed_name(c)} NOT IN ({allowed}))",
                    f"{_shown(q(c.name))} || ' is not one of: {', '.join(c.values)}'",
                )
            )
    for c in cols:
        t = typed_name(c)
        if c.min is not None:
            checks.append(_violation("domain_violation", c.name, f"({t} < {c.min})", f"{t}::VARCHAR || ' is below the minimum {c.min:g}'"))
        if c.min_exclusive is not None:
            checks.append(
                _violation(
                    "domain_violation", c.name, f"({t} <= {c.min_exclusive})", f"{t}::VARCHAR || ' must be greater than {c.min_exclusive:g}'"
                )
            )
        if c.max is not None:
            checks.append(_violation("domain_violation", c.name, f"({t} > {c.max})", f"{t}::VARCHAR || ' is above the maximum {c.max:g}'"))
    for c in cols:
        if c.check == "uscc":
            t = typed_name(c)
            checks.append(
                _violation(
                    "license_check_failed",
                    c.name,
                    f"({t} IS NOT NULL AND NOT {uscc_valid_sql(t)})",
                    f"{_shown(t)} || ' fails the GB 32100-2015 check (charset or check character)'",
                )
            )
        elif c.check is not None:
            raise ValueError(f"unknown check {c.check!r} on {source.name}.{c.name}")
    return checks


def soft_flags_expr(source: SourceContract) -> str:
    """Comma-separated not_before flags of a row (NULL when none); only when both values are present."""
    parts = []
    for c in source.columns:
        if c.not_before:
            a, b = typed_name(c), typed_name(source.column(c.not_before))
            parts.append(f"CASE WHEN {a} IS NOT NULL AND {b} IS NOT NULL AND {a} < {b} THEN {lit(c.soft_rule)} END")
    if not parts:
        return "NULL::VARCHAR"
    return f"NULLIF(concat_ws(',', {', '.join(parts)}), '')"


def _select_delivered(source: SourceContract, batch_columns: list[str]) -> list[str]:
    present = set(batch_columns)
    internal = {LINE, RULE, COL, MSG, RAW, EXTRA}
    contract_names = set(source.column_names)
    extras = [n for n in batch_columns if n not in contract_names and n not in internal]
    select = [LINE] + [q(c.name) if c.name in present else f"NULL::VARCHAR AS {q(c.name)}" for c in source.columns]
    if extras:
        select.append(f"json_object({', '.join(f'{lit(n)}, {q(n)}' for n in extras)})::VARCHAR AS {EXTRA}")
    else:
        select.append(f"NULL::VARCHAR AS {EXTRA}")
    select += [name if name in present else f"NULL::VARCHAR AS {name}" for name in (RULE, COL, MSG, RAW)]
    return select


def delivered_values_sql(source: SourceContract) -> str:
    """JSON of a record's delivered values (pseudonym names for personal data, extras merged in);
    for a record that could not be split into columns, the reader's redacted stand-in."""
    delivered = f"json_object({', '.join(f'{lit(c.stored_name)}, {q(c.name)}' for c in source.columns)})"
    return (
        f"CASE WHEN {RAW} IS NOT NULL THEN {RAW} WHEN {EXTRA} IS NULL THEN {delivered}::VARCHAR "
        f"ELSE json_merge_patch({delivered}, {EXTRA})::VARCHAR END"
    )


def key_raw_insert_sql(source: SourceContract, batch_columns: list[str], view: str) -> str:
    """Delivered values of the records caught by a key rule (second, filtered read of the file)."""
    select = _select_delivered(source, batch_columns)
    return f"INSERT INTO {KEY_RAW} SELECT {LINE}, {delivered_values_sql(source)} FROM (SELECT {', '.join(select)} FROM {view})"


def create_stage_sql(source: SourceContract) -> str:
    """The per-file stage: typed values, violations and (bad rows only) the delivered values."""
    cols = [f"{LINE} BIGINT"] + [f"{typed_name(c)} {c.sql_type}" for c in source.columns]
    cols += [
        "__v STRUCT(rule VARCHAR, col VARCHAR, detail VARCHAR)[]",
        "__raw_values VARCHAR",
        f"{EXTRA} VARCHAR",
        "__flags VARCHAR",
    ]
    return f"CREATE OR REPLACE TEMP TABLE {STAGE} ({', '.join(cols)})"


def stage_insert_sql(source: SourceContract, batch_columns: list[str], view: str, timezone: str) -> str:
    """Type and check one reader table (registered as ``view``) and append it to the stage.

    Contract columns are taken by name (absent ones are NULL); every other delivered column is
    folded into the ``__rw_extra`` JSON object. Delivered strings are only kept, as the
    ``__raw_values`` JSON, for rows that break a row rule: materialising every delivered string of
    a million-row file a second time is what made a naive design slow.
    """
    select = _select_delivered(source, batch_columns)
    missing = ", ".join(f"{_missing(q(c.name), c)} AS {missing_name(c)}" for c in source.columns)
    typed = ", ".join(f"{_typed_expr(c, timezone)} AS {typed_name(c)}" for c in source.columns)
    checks = row_violations(source)
    any_bad = " OR ".join(cond for cond, _ in checks)
    vlist = ", ".join(expr for _, expr in checks)
    raw = delivered_values_sql(source)
    return f"""
INSERT INTO {STAGE}
WITH b AS (SELECT {', '.join(select)} FROM {view}),
m AS (SELECT b.*, {missing} FROM b),
typed AS (SELECT m.*, {typed} FROM m),
checked AS (SELECT *, CASE WHEN {any_bad} THEN list_filter([{vlist}], x -> x IS NOT NULL) END AS __v FROM typed)
SELECT {LINE}, {', '.join(typed_name(c) for c in source.columns)}, __v,
       CASE WHEN __v IS NOT NULL THEN {raw} END AS __raw_values,
       {EXTRA}, {soft_flags_expr(source)} AS __flags
FROM checked
"""


def key_verdicts_sql(source: SourceContract) -> str:
    """Rows that share key and version within the file: ``conflicting_key`` (copies differ, all
    quarantined) or ``duplicate_key`` (identical; all copies but the first by line quarantined).

    Only rows that passed the row rules take part. Groups are found with a hash aggregate first so
    the exact comparison (every typed column and the extra columns) runs on the few rows concerned.
    """
    keys = [typed_name(source.column(k)) for k in source.key] + [typed_name(source.column(source.version_column))]
    key_list = ", ".join(keys)
    content = "{" + ", ".join(f"{lit(c.name)}: {typed_name(c)}" for c in source.columns) + f", '_extra': {EXTRA}}}"
    key_shown = " || ', ' || ".join(
        f"'{n}=' || coalesce({typed_name(source.column(n))}::VARCHAR, '')"
        + (" || ' UTC'" if source.column(n).type == "timestamp" else "")
        for n in (*source.key, source.version_column)
    )
    return f"""
CREATE OR REPLACE TEMP TABLE {KEYS} AS
WITH groups AS (
    SELECT {key_list} FROM {STAGE} WHERE __v IS NULL GROUP BY ALL HAVING count(*) > 1
), members AS (
    SELECT s.* FROM {STAGE} s SEMI JOIN groups g USING ({key_list}) WHERE s.__v IS NULL
), judged AS (
    SELECT {LINE}, {key_shown} AS __shown,
           count(*) OVER w AS n,
           count(DISTINCT {content}) OVER w AS versions,
           row_number() OVER (PARTITION BY {key_list} ORDER BY {LINE}) AS rn,
           min({LINE}) OVER w AS first_line,
           list({LINE}) OVER w AS lines
    FROM members
    WINDOW w AS (PARTITION BY {key_list})
)
SELECT {LINE},
       CASE WHEN versions > 1 THEN 'conflicting_key' ELSE 'duplicate_key' END AS rule,
       CASE WHEN versions > 1
            THEN 'conflicting_key: ' || n::VARCHAR || ' records with the same key and version (' || __shown
                 || ') differ; lines ' || array_to_string(list_sort(lines), ', ') || ' all quarantined'
            ELSE 'duplicate_key: identical copy of line ' || first_line::VARCHAR || ' (' || __shown || ')' END AS detail
FROM judged WHERE versions > 1 OR rn > 1
"""


def raw_insert_sql(source: SourceContract) -> str:
    """Loaded rows into raw.<source>, contract columns under their stored (pseudonym) names."""
    target = [q(c.stored_name) for c in source.columns] + [
        "_delivery_date", "_file_name", "_file_sha256", "_line", "_dq_flags", "_extra_columns", "_loaded_at",
    ]
    values = [typed_name(c) for c in source.columns] + [
        "$delivery_date::DATE", "$file_name", "$sha", LINE, "__flags", EXTRA, "$loaded_at::TIMESTAMP",
    ]
    return (
        f"INSERT INTO {source.raw_table} ({', '.join(target)}) "
        f"SELECT {', '.join(values)} FROM {STAGE} s "
        f"WHERE __v IS NULL AND NOT EXISTS (SELECT 1 FROM {KEYS} k WHERE k.{LINE} = s.{LINE})"
    )


def quarantine_insert_sql(source: SourceContract) -> str:
    """Quarantined rows with their delivered values (personal data pseudonymised). Key-rule rows
    take theirs from the second read (``KEY_RAW``); their parsed values are a fallback only."""
    parsed = f"json_object({', '.join(f'{lit(c.stored_name)}, {typed_name(c)}' for c in source.columns)})"
    parsed_raw = f"CASE WHEN {EXTRA} IS NULL THEN {parsed}::VARCHAR ELSE json_merge_patch({parsed}, {EXTRA})::VARCHAR END"
    prefix = f"$file_name || ' line ' || {LINE}::VARCHAR || ': '"
    key_col = lit(",".join(source.key))
    return f"""
INSERT INTO meta.quarantine (source, delivery_date, file_name, file_sha256, line, rule, column_name,
                             message, raw_values, quarantined_at, run_id)
SELECT {lit(source.name)}, $delivery_date::DATE, $file_name, $sha, {LINE}, rule, col, message, raw_values,
       $loaded_at::TIMESTAMP, $run_id
FROM (
    SELECT {LINE}, __v[1].rule AS rule, __v[1].col AS col,
           {prefix} || array_to_string(list_transform(__v, x -> x.rule || coalesce(' ' || x.col, '') || ': ' || x.detail), '; ') AS message,
           __raw_values AS raw_values
    FROM {STAGE} WHERE __v IS NOT NULL
    UNION ALL
    SELECT s.{LINE}, k.rule, {key_col}, {prefix.replace(LINE, "s." + LINE)} || k.detail, coalesce(r.raw_values, {parsed_raw})
    FROM {STAGE} s JOIN {KEYS} k ON k.{LINE} = s.{LINE} LEFT JOIN {KEY_RAW} r ON r.{LINE} = s.{LINE}
)
ORDER BY {LINE}
"""
