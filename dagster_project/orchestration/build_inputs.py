"""What a build depends on, as one fingerprint: the basis of "nothing new, nothing done".

A nightly run on a landing where nothing changed must not rebuild every dbt model and copy every
mart again (minutes at scale) only to publish the same numbers. The published marts are a function
of exactly these inputs:

- the current file registry (which files are loaded or rejected, with their bytes' hashes);
- operators' overrides of blocked deliveries (the state store's, which ingestion copies to ``meta.delivery_overrides``);
- management's decisions in the state store (the enforcement list shows them);
- the erasure list in the state store (an erased person's rows are rewritten: the marts are rebuilt);
- the KPI / scoring overrides (``RW_CONFIG``);
- the dbt project and the landing contract (the code that turns raw rows into marts).

Their fingerprint is recorded for every run in ``meta.build_inputs``. When a run's fingerprint equals
the one of the last run that *published*, and the published file is still there, the run has nothing
to do: ingestion says so and dbt and publication are skipped. A failed build never publishes, so the
next run after a failure always rebuilds, and so does any change of decisions, settings or code.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.orchestration.config import load_overrides
from dagster_project.settings import CONTRACT_PATH, DBT_PROJECT_DIR, Settings

TABLE = "meta.build_inputs"
# The code and settings each successful dbt build ran with: incremental models keep rows computed by
# earlier builds, so a build whose code or settings differ from the last one's must rebuild them all.
DBT_BUILDS = "meta.dbt_builds"
# Every dbt build started, written before dbt starts. A start that no recorded build follows is a build that
# stopped halfway (a failed test skips the models after it; a killed run): some incremental models may hold
# its work and the models built from them not (fct_order_lines copies the lines int_orders__latest ranked
# in the same build), so the next build rebuilds them all.
DBT_STARTS = "meta.dbt_build_starts"
# dbt's own output and caches are not inputs: they change on every build.
_DBT_NOT_INPUT = {"target", "logs", "dbt_packages"}
_DBT_INPUT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


@dataclass(frozen=True)
class LastPublication:
    run_id: str
    finished_at: datetime | None
    fingerprint: str


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (run_id VARCHAR, fingerprint VARCHAR, computed_at TIMESTAMP)")


def _digest_rows(rows) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, default=str, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _registry_part(con: duckdb.DuckDBPyConnection) -> str:
    return _digest_rows(con.execute(
        "select source, delivery_date, file_name, file_sha256, status from meta.file_registry "
        "where status <> 'superseded' order by all").fetchall())


def _overrides_part(settings: Settings) -> str:
    """Operators' overrides of blocked deliveries, as the state store holds them (ingestion copies them
    into the work file; reading the store lets a run's look-ahead see a new override before that copy)."""
    from dagster_project.state import connect_state
    from dagster_project.state.overrides import export_overrides

    with closing(connect_state(settings.state_db)) as state:
        frame = export_overrides(state)
    return _digest_rows(frame.astype(str).itertuples(index=False, name=None))


def _decisions_part(settings: Settings) -> str:
    from dagster_project.state import connect_state
    from dagster_project.state.decisions import export_decisions

    with closing(connect_state(settings.state_db)) as state:
        frame = export_decisions(state)
    return _digest_rows(frame.astype(str).itertuples(index=False, name=None))


def _erasures_part(settings: Settings) -> str:
    from dagster_project.privacy.erasure import durable_tags

    return _digest_rows(sorted(durable_tags(settings.state_db)))


def _code_part(dbt_dir: Path = DBT_PROJECT_DIR, contract: Path = CONTRACT_PATH) -> str:
    digest = hashlib.sha256(contract.read_bytes())
    for path in sorted(dbt_dir.rglob("*")):
        relative = path.relative_to(dbt_dir)
        if relative.parts[0] in _DBT_NOT_INPUT or not path.is_file() or path.suffix not in _DBT_INPUT_SUFFIXES:
            continue
        digest.update(str(relative).encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dbt_inputs_digest(overrides: dict) -> str:
    """What every dbt model's logic depends on besides the data: the dbt project and the landing
    contract (``_code_part``) and the configuration overrides passed as vars."""
    return hashlib.sha256(
        (_code_part() + "|" + json.dumps(overrides, sort_keys=True, default=str)).encode("utf-8")).hexdigest()


def _ensure_dbt_builds(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(f"CREATE TABLE IF NOT EXISTS {DBT_BUILDS} (run_id VARCHAR, inputs_digest VARCHAR, "
                "full_refresh BOOLEAN, built_at TIMESTAMP)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {DBT_STARTS} (run_id VARCHAR, started_at TIMESTAMP)")


def last_dbt_build_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The inputs digest of the last successful dbt build of this work file (None when none is recorded)."""
    _ensure_dbt_builds(con)
    row = con.execute(f"select inputs_digest from {DBT_BUILDS} order by built_at desc limit 1").fetchone()
    return row[0] if row else None


def record_dbt_start(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    _ensure_dbt_builds(con)
    con.execute(f"insert into {DBT_STARTS} values (?, ?)", [run_id, datetime.now(UTC).replace(tzinfo=None)])


def unfinished_dbt_build(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run whose dbt build started last, when that build did not finish (no build of it recorded)."""
    _ensure_dbt_builds(con)
    row = con.execute(
        f"select s.run_id from {DBT_STARTS} s where not exists (select 1 from {DBT_BUILDS} b where b.run_id = s.run_id) "
        f"and s.started_at = (select max(started_at) from {DBT_STARTS})").fetchone()
    return row[0] if row else None


def record_dbt_build(con: duckdb.DuckDBPyConnection, run_id: str, digest: str, full_refresh: bool) -> None:
    _ensure_dbt_builds(con)
    con.execute(f"insert into {DBT_BUILDS} values (?, ?, ?, ?)",
                [run_id, digest, full_refresh, datetime.now(UTC).replace(tzinfo=None)])


def fingerprint(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The fingerprint of everything the published marts are computed from (see the module doc)."""
    overrides = json.dumps(load_overrides(settings.config_file), sort_keys=True, default=str)
    parts = [_registry_part(con), _overrides_part(settings), _decisions_part(settings), _erasures_part(settings),
             overrides, _code_part()]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def record(con: duckdb.DuckDBPyConnection, run_id: str, value: str) -> None:
    ensure_table(con)
    con.execute(f"insert into {TABLE} values (?, ?, ?)", [run_id, value, datetime.now(UTC).replace(tzinfo=None)])


def last_publication(con: duckdb.DuckDBPyConnection) -> LastPublication | None:
    """The latest run that published, with the fingerprint of its inputs (None when none has). Reads only:
    the look-ahead (quiet_landing) calls it on a work file opened read-only."""
    row = con.execute(
        f"""
        select r.run_id, r.finished_at, b.fingerprint
        from meta.pipeline_runs r join {TABLE} b using (run_id)
        where r.status = 'success'
        order by r.finished_at desc nulls last, r.started_at desc
        limit 1
        """
    ).fetchone()
    return LastPublication(*row) if row else None


def unchanged_since(con: duckdb.DuckDBPyConnection, settings: Settings, value: str) -> LastPublication | None:
    """The last publication when ``value`` equals its fingerprint and its file is still readable there."""
    ensure_table(con)
    last = last_publication(con)
    if last is None or last.fingerprint != value or not settings.warehouse.is_file():
        return None
    return last


def nothing_new_message(last: LastPublication) -> str:
    when = f", published {last.finished_at:%Y-%m-%d %H:%M:%S} UTC" if last.finished_at else ""
    return (f"nothing new since run {last.run_id}{when}: no new or changed landing file, decision, "
            "erasure, setting or model; dbt and publication skipped, the published warehouse is unchanged "
            f"(自运行 {last.run_id} 以来无新数据：未重建，已发布的数据仓库未变)")


def nothing_new_note(work_db: Path, run_id: str) -> str | None:
    """The "nothing new" message a run recorded, for the command line (None when it built)."""
    if not work_db.exists():
        return None
    with closing(duckdb.connect(str(work_db), read_only=True)) as con:
        row = con.execute("select message from meta.pipeline_runs where run_id = ? and status = 'nothing_new'",
                          [run_id]).fetchone()
    return row[0] if row else None
