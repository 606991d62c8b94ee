"""The dbt models are written once for DuckDB and Spark (issue 12, docs/scale-out.md).

A cheap guard: DuckDB-only SQL anywhere in dbt/ outside dbt/macros/cross_engine/ (where each engine
difference lives in a dispatched macro with duckdb__/default__ and spark__ implementations) fails this
test, naming the file, the line and the construct, so a new model cannot quietly break the Spark build.
SQL and Jinja comments are ignored (they may name a construct to explain it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
CROSS_ENGINE = Path("macros") / "cross_engine"

# construct -> pattern (case-insensitive). What Spark 4 accepts as well (qualify, filter (where ...),
# bool_or, any_value, median, try_cast, date + interval, WITH RECURSIVE) is not listed.
_BACKSLASH = "backslash in a string literal (an escape on Spark: LIKE ... ESCAPE '\\' fails there)"
DUCKDB_ONLY = {
    "varchar without a length (use string)": r"\bvarchar\b(?!\s*\()",
    "AT TIME ZONE (rw_to_local / rw_from_local)": r"\bat\s+time\s+zone\b",
    "timezone() (rw_to_local / rw_from_local)": r"\btimezone\s*\(",
    "timestamptz": r"\btimestamptz\b",
    "strftime() (rw_format_ts)": r"(?<![.\w])strftime\s*\(",
    "regexp_matches / regexp_full_match (rw_regexp_full_match)": r"\bregexp_(?:matches|full_match)\s*\(",
    "json_extract* (rw_json_text)": r"\bjson_extract\w*\s*\(",
    "json_object / json_build_object / json_object_agg / json_group_* (rw_json_object*)":
        r"\b(?:json_object|json_build_object|json_object_agg|json_group_\w+)\s*\(",
    "string_split / string_to_array (rw_split_csv)": r"\bstring_(?:split|to_array)\s*\(",
    "list_* functions (rw_csv_contains)": r"\blist_\w+\s*\(",
    "sha256() (sha2(..., 256) on Spark)": r"(?<![.\w])sha256\s*\(",
    "unnest() (rw_explode / rw_explode_csv)": r"\bunnest\s*\(",
    "generate_series (rw_month_series)": r"\bgenerate_series\b",
    "string_agg (rw_string_agg)": r"\bstring_agg\s*\(",
    "extract(epoch ...) (rw_hours_between)": r"\bextract\s*\(\s*epoch\b",
    "= any(array)": r"=\s*any\s*\(",
    "ASOF JOIN (rw_asof_left_join)": r"\basof\s+(?:left\s+)?join\b",
    "delete+insert strategy (rw_incremental_strategy)": r"delete\+insert",
    ":: cast (use cast(... as ...))": r"::\s*[a-z]",
    "quantile* (rw_median)": r"\bquantile\w*\s*\(",
    "date_diff (rw_hours_between)": r"\bdate_diff\s*\(",
    "list literal [...] in SQL": r"(?:\bin|\(|,)\s*\[\s*'",
    "UNION BY NAME (list the columns)": r"\bunion\s+(?:all\s+)?by\s+name\b",
    _BACKSLASH: r"'[^'\n]*\\[^'\n]*'",
}
_PATTERNS = {name: re.compile(p, re.IGNORECASE) for name, p in DUCKDB_ONLY.items()}
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_SQL_COMMENT = re.compile(r"--[^\n]*")
_JINJA_STATEMENT = re.compile(r"\{%.*?%\}", re.DOTALL)
_JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# Jinja lists ({{ macro(ref(...), ['a', 'b']) }}) and Jinja string escapes ("'\"'") are not SQL: these
# rules read the SQL outside {{ }} only; every other rule also reads inside, where a macro's SQL
# argument may hide a DuckDB-only call.
_OUTSIDE_JINJA_ONLY = {"list literal [...] in SQL", _BACKSLASH}


def _blank(match: re.Match) -> str:
    """Keep the newlines of what is removed, so line numbers stay right."""
    return "\n" * match.group(0).count("\n")


def duckdb_only_constructs(sql: str) -> list[tuple[int, str]]:
    """(line, construct) for each DuckDB-only construct in one dbt SQL file's text."""
    text = _JINJA_COMMENT.sub(_blank, sql)
    text = _SQL_COMMENT.sub(_blank, text)
    text = _JINJA_STATEMENT.sub(_blank, text)  # {% set x = [...] %}: Jinja lists, not SQL
    sql_only = _JINJA_EXPRESSION.sub(_blank, text).splitlines()
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        found += [(number, name) for name, pattern in _PATTERNS.items()
                  if pattern.search(sql_only[number - 1] if name in _OUTSIDE_JINJA_ONLY else line)]
    return found


def scan(dbt_dir: Path) -> list[str]:
    """Every finding under dbt_dir (models, tests, macros; not target/ nor macros/cross_engine/)."""
    findings = []
    for path in sorted(dbt_dir.rglob("*.sql")):
        relative = path.relative_to(dbt_dir)
        if relative.parts[0] in {"target", "dbt_packages", "logs"} or relative.is_relative_to(CROSS_ENGINE):
            continue
        findings += [f"dbt/{relative}:{line}: {name}"
                     for line, name in duckdb_only_constructs(path.read_text(encoding="utf-8"))]
    for path in sorted((dbt_dir / "models").rglob("*.yml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"data_type:\s*varchar\b(?!\s*\()", line, re.IGNORECASE) and "__sources" not in path.name:
                findings.append(f"dbt/{path.relative_to(dbt_dir)}:{number}: contract data_type varchar (use string)")
    return findings


def test_no_duckdb_only_sql_outside_the_cross_engine_macros():
    findings = scan(DBT_DIR)
    assert not findings, ("DuckDB-only SQL outside dbt/macros/cross_engine/ (put it behind a dispatched "
                          "macro with a spark__ implementation):\n" + "\n".join(findings))


@pytest.mark.parametrize("sql, construct", [
    ("select cast(x as varchar) from t", "varchar"),
    ("select ts at time zone 'UTC' from t", "AT TIME ZONE"),
    ("select timezone('UTC', ts) from t", "timezone()"),
    ("select cast(x as timestamptz) from t", "timestamptz"),
    ("select strftime(ts, '%Y') from t", "strftime()"),
    ("select * from t where regexp_full_match(x, '[0-9]+')", "regexp_matches"),
    ("select json_extract_string(j, '$.a') from t", "json_extract"),
    ("select json_group_object(k, v) from t", "json_object"),
    ("select string_split(x, ',') from t", "string_split"),
    ("select list_contains(l, 1) from t", "list_*"),
    ("select sha256(x) from t", "sha256()"),
    ("select unnest(['a', 'b']) as x", "unnest()"),
    ("select * from generate_series(1, 3)", "generate_series"),
    ("select string_agg(x, ',' order by x) from t", "string_agg"),
    ("select extract(epoch from b - a) from t", "extract(epoch"),
    ("select * from t where x = any(l)", "= any"),
    ("select * from a asof left join b on a.k = b.k and a.t >= b.t", "ASOF JOIN"),
    ("{{ config(incremental_strategy='delete+insert') }} select 1", "delete+insert"),
    ("select count(*)::bigint from t", ":: cast"),
    ("select quantile_cont(x, 0.5) from t", "quantile"),
    ("select date_diff('day', a, b) from t", "date_diff"),
    ("select * from t where x in ['a', 'b']", "list literal"),
    ("select * from a union all by name select * from b", "UNION BY NAME"),
    ("select * from t where x like 'rate\\_%' escape '\\'", "backslash in a string literal"),
])
def test_each_duckdb_only_construct_is_caught(sql, construct):
    assert [name for _, name in duckdb_only_constructs(sql) if construct in name], sql


def test_portable_sql_comments_and_jinja_are_not_flagged():
    sql = """-- delete+insert, unnest(...) and AT TIME ZONE are named in this comment only
{# strftime(ts, '%Y') in a Jinja comment #}
{%- set codes = ['a', 'b'] -%}
{{ rw_latest_version(ref('m'), ['order_id', 'line_no']) }}
select cast(x as string), cast(y as varchar(10)), file_sha256,
       '{{ run_started_at.strftime("%Y-%m-%d") }}' as built_at
from t qualify row_number() over (partition by k order by v) = 1"""
    assert duckdb_only_constructs(sql) == []


def test_a_planted_model_fails_the_scan_and_cross_engine_macros_do_not(tmp_path):
    """The guard as CI runs it, on a copy of the layout: a model using a DuckDB-only function is
    reported with its file and line; the same SQL inside macros/cross_engine/ is allowed."""
    (tmp_path / "models" / "marts").mkdir(parents=True)
    (tmp_path / "macros" / "cross_engine").mkdir(parents=True)
    (tmp_path / "models" / "marts" / "ok.sql").write_text("select cast(1 as string) as x\n")
    (tmp_path / "models" / "marts" / "bad.sql").write_text("select 1 as x,\n  strftime(ts, '%Y-%m') as m\nfrom t\n")
    (tmp_path / "models" / "marts" / "_marts__models.yml").write_text(
        "models:\n  - name: ok\n    columns:\n      - name: x\n        data_type: varchar\n")
    (tmp_path / "macros" / "cross_engine" / "fmt.sql").write_text(
        "{% macro duckdb__f(x) %}strftime({{ x }}, '%Y'){% endmacro %}\n")
    assert scan(tmp_path) == [
        "dbt/models/marts/bad.sql:2: strftime() (rw_format_ts)",
        "dbt/models/marts/_marts__models.yml:5: contract data_type varchar (use string)",
    ]
