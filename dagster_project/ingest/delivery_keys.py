"""The duplicate/conflict key rule across the files of one delivery (landing contract 1.1).

Within a file the rule is applied while staging (rules.key_verdicts_sql). A delivery may also be
split over several files, so once its new files are loaded the rows of the whole delivery are
judged again by (key, updated_at): where the copies are identical in every column, the one from the
first file (by name, then line) stays and each other copy moves to quarantine as ``duplicate_key``;
where they differ, every copy moves as ``conflicting_key``, also from a file loaded by an earlier
run. The file registry's counts of each file concerned move with its rows, in the same transaction,
so rows read = rows loaded + rows quarantined still holds per file. When a file of the delivery is
corrected, the other files whose rows were judged across files are read again (a verdict against the
old version may no longer hold), and the rule is applied to the delivery as it now is.

Without this a delivery carrying one key twice failed the Great Expectations uniqueness suite as a
whole, instead of quarantining the few rows concerned and loading the rest.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from dagster_project.contract.contract import SourceContract
from dagster_project.warehouse.sql_quote import lit, q

_VERDICTS = "_rw_delivery_key_verdicts"
# Both messages of this rule say so; a file's rows judged against another file are found by it when
# that other file is corrected (``files_judged_with_others``).
ACROSS_FILES = "of this delivery"


def _verdicts_sql(spec: SourceContract) -> str:
    key_columns = [spec.column(k) for k in (*spec.key, spec.version_column)]
    keys = ", ".join(q(c.stored_name) for c in key_columns)
    content = "{" + ", ".join(f"{lit(c.stored_name)}: {q(c.stored_name)}" for c in spec.columns) + ", '_extra': _extra_columns}"
    shown = " || ', ' || ".join(
        f"'{c.name}=' || coalesce({q(c.stored_name)}::VARCHAR, '')" + (" || ' UTC'" if c.type == "timestamp" else "")
        for c in key_columns
    )
    values = f"json_object({', '.join(f'{lit(c.stored_name)}, {q(c.stored_name)}' for c in spec.columns)})"
    return f"""
CREATE OR REPLACE TEMP TABLE {_VERDICTS} AS
WITH delivery AS (
    SELECT * FROM {spec.raw_table} WHERE _delivery_date = $delivery_date
), groups AS (
    SELECT {keys} FROM delivery GROUP BY ALL HAVING count(*) > 1
), members AS (
    SELECT d.* FROM delivery d SEMI JOIN groups USING ({keys})
), judged AS (
    SELECT _file_name, _file_sha256, _line, {shown} AS shown,
           CASE WHEN _extra_columns IS NULL THEN {values}::VARCHAR
                ELSE json_merge_patch({values}, _extra_columns)::VARCHAR END AS raw_values,
           count(*) OVER w AS copies,
           count(DISTINCT {content}) OVER w AS versions,
           row_number() OVER (PARTITION BY {keys} ORDER BY _file_name, _line) AS rn,
           first_value(_file_name || ' line ' || _line::VARCHAR) OVER ordered AS first_copy,
           list(_file_name || ' line ' || _line::VARCHAR) OVER ordered AS all_copies
    FROM members
    WINDOW w AS (PARTITION BY {keys}),
           ordered AS (PARTITION BY {keys} ORDER BY _file_name, _line
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT _file_name, _file_sha256, _line, raw_values,
       CASE WHEN versions > 1 THEN 'conflicting_key' ELSE 'duplicate_key' END AS rule,
       _file_name || ' line ' || _line::VARCHAR || ': ' ||
       CASE WHEN versions > 1
            THEN 'conflicting_key: ' || copies::VARCHAR || ' records of this delivery with the same key and version ('
                 || shown || ') differ (' || array_to_string(all_copies, ', ') || '); all quarantined'
            ELSE 'duplicate_key: identical copy of ' || first_copy || ' {ACROSS_FILES} (' || shown || ')' END AS message
FROM judged WHERE versions > 1 OR rn > 1
"""


def judge_delivery_keys(con: duckdb.DuckDBPyConnection, spec: SourceContract, delivery_date: dt.date,
                        run_id: str) -> int:
    """Apply the key rule across the files of one delivery; return the number of rows quarantined."""
    params = {"delivery_date": delivery_date}
    con.execute(_verdicts_sql(spec), params)
    try:
        count = con.execute(f"SELECT count(*) FROM {_VERDICTS}").fetchone()[0]
        if count == 0:
            return 0
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"""
                INSERT INTO meta.quarantine (source, delivery_date, file_name, file_sha256, line, rule, column_name,
                                             message, raw_values, quarantined_at, run_id)
                SELECT {lit(spec.name)}, $delivery_date::DATE, _file_name, _file_sha256, _line, rule,
                       {lit(",".join(spec.key))}, message, raw_values, $now::TIMESTAMP, $run_id
                FROM {_VERDICTS} ORDER BY _file_name, _line
                """,
                {**params, "now": now, "run_id": run_id},
            )
            con.execute(
                f"DELETE FROM {spec.raw_table} r WHERE _delivery_date = $delivery_date AND EXISTS "
                f"(SELECT 1 FROM {_VERDICTS} v WHERE v._file_name = r._file_name AND v._line = r._line)",
                params,
            )
            con.execute(
                f"""
                UPDATE meta.file_registry reg
                SET rows_loaded = reg.rows_loaded - moved.n, rows_quarantined = reg.rows_quarantined + moved.n
                FROM (SELECT _file_name, count(*) AS n FROM {_VERDICTS} GROUP BY 1) moved
                WHERE reg.source = {lit(spec.name)} AND reg.delivery_date = $delivery_date
                  AND reg.file_name = moved._file_name AND reg.status = 'loaded'
                """,
                params,
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return count
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_VERDICTS}")


def files_judged_with_others(con: duckdb.DuckDBPyConnection, spec: SourceContract, delivery_date: dt.date,
                             except_files: set[str]) -> list[str]:
    """Files of the delivery (other than ``except_files``) with rows quarantined by this rule. When
    another file of the delivery is corrected, their verdicts may no longer hold: the caller reads
    them again so the rule is applied to the delivery as it now is."""
    rows = con.execute(
        "SELECT DISTINCT file_name FROM meta.quarantine WHERE source = ? AND delivery_date = ? "
        "AND rule IN ('duplicate_key', 'conflicting_key') AND message LIKE ? ORDER BY 1",
        [spec.name, delivery_date, f"%{ACROSS_FILES}%"],
    ).fetchall()
    return [r[0] for r in rows if r[0] not in except_files]
