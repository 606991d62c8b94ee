"""Full refresh equals incremental: the published marts after each new delivery day are exactly those a
full rebuild of the same kept history gives.

A small sample (``rightswatch generate --orders 2000``) is fed into a landing root one delivery day at a
time; after each day ``rightswatch run`` builds incrementally (Dagster, GX, ``dbt build``, publication).
The reference is a copy of that run's work file rebuilt by ``dbt run --full-refresh``: every incremental
model recomputed from the raw history the run kept. Every published mart must equal the reference's,
row for row (as multisets), and so must the incremental rate windows and order facts of the work file
(kept per list date until their inputs change, per order until it gets a version), ignoring only the columns that name a build (``build_id``, ``built_at``)
and the bookkeeping of the run itself in ``dq_pipeline_runs``; floats are compared rounded to 9 places.
Then a corrected orders file (same name, fewer lines) replaces a delivered one, and the incremental
build must again equal the full one. Last, ``rightswatch run --full-refresh`` on the same landing must
rebuild (not stop at "nothing new") and publish the same marts again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, build_env, run_cli

pytestmark = pytest.mark.slow

# Oldest first: the backfill, then two ordinary days (new orders, new versions of earlier complaints,
# refunds and merchants). More days cost ~1 min each on a loaded 2-core machine and add no new kind of change.
DAYS = ("2026-10-25", "2026-10-26", "2026-10-27")
IGNORED_EVERYWHERE = {"build_id", "built_at"}
IGNORED_BY_TABLE = {
    # dq_pipeline_runs lists runs; the run that published finished after its marts were built
    "dq_pipeline_runs": {"finished_at", "status", "message"},
    # stamps of the build that last computed a month: a month no new delivery touches keeps its rows
    # with the cut-off and load watermark of that build (rpt_kpi_monthly's design); figures are compared
    "rpt_kpi_monthly": {"cutoff_at", "loaded_through"},
}
DBT = [str(Path(sys.executable).with_name("dbt"))]
# incremental intermediate tables compared too: the rate windows keep each list until its inputs change
# (inputs_fingerprint) and the order facts each order until it gets a version; a mart built from them
# could hide a stale row the latest list does not read
INTERMEDIATE_COMPARED = {"int_scoring__order_facts", "int_scoring__rate_windows"}


def _feed_day(source_root: Path, landing: Path, day: str) -> int:
    """Copy one delivery day of every source into the landing root; the number of files copied."""
    copied = 0
    for day_dir in sorted(source_root.glob(f"*/{day}")):
        shutil.copytree(day_dir, landing / day_dir.parent.name / day)
        copied += sum(1 for p in day_dir.iterdir() if p.is_file())
    return copied


def _mart_rows(db: Path, schema: str = "marts", only: set[str] | None = None) -> dict[str, list[tuple]]:
    """Every table of ``schema`` (or those named in ``only``) as a sorted list of rows, without the ignored
    columns."""
    tables: dict[str, list[tuple]] = {}
    with closing(duckdb.connect(str(db), read_only=True)) as con:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema]).fetchall() if only is None or r[0] in only]
        for table in names:
            ignored = IGNORED_EVERYWHERE | IGNORED_BY_TABLE.get(table, set())
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
            select = ", ".join(
                f'round("{c}", 9)' if t in {"DOUBLE", "FLOAT", "REAL"} else f'"{c}"'
                for c, t in columns if c not in ignored)
            rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
            tables[table] = sorted(rows, key=repr)
    return tables


def _full_refresh_reference(work_db: Path, scratch: Path) -> dict[str, list[tuple]]:
    """Copy the work file and rebuild every model in the copy with ``dbt run --full-refresh``: its published
    marts, and the incremental intermediate tables of INTERMEDIATE_COMPARED."""
    scratch.mkdir(parents=True, exist_ok=True)
    reference = scratch / work_db.name  # same name: DuckDB views name their catalog (the file's stem)
    shutil.copyfile(work_db, reference)
    env = {**build_env(scratch.parent), "RW_WAREHOUSE": str(scratch / work_db.name.replace(".work", ""))}
    dbt_dir = PROJECT_ROOT / "dbt"
    proc = subprocess.run(
        [*DBT, "run", "--full-refresh", "--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir),
         "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs"), "--quiet"],
        env=env, cwd=dbt_dir, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"dbt run --full-refresh failed\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return _mart_rows(reference) | _intermediate_rows(reference)


def _intermediate_rows(work_db: Path) -> dict[str, list[tuple]]:
    return {f"intermediate.{name}": rows
            for name, rows in _mart_rows(work_db, "intermediate", INTERMEDIATE_COMPARED).items()}


def _differences(built: dict[str, list[tuple]], reference: dict[str, list[tuple]]) -> list[str]:
    problems = []
    for table in sorted(set(built) | set(reference)):
        if table not in built or table not in reference:
            problems.append(f"{table}: only in {'the incremental build' if table in built else 'the full refresh'}")
            continue
        mine, theirs = built[table], reference[table]
        if mine != theirs:
            missing = [r for r in theirs if r not in mine][:3]
            extra = [r for r in mine if r not in theirs][:3]
            problems.append(f"{table}: {len(mine)} rows incremental vs {len(theirs)} full refresh; "
                            f"missing {missing}; not in the full refresh {extra}")
    return problems


def test_each_new_day_publishes_what_a_full_refresh_computes(tmp_path):
    root = tmp_path / "build"
    env = build_env(root)
    generated = tmp_path / "generated"
    run_cli("generate", "--out", str(generated), "--orders", "2000", env=env)
    landing = Path(env["RW_LANDING"])
    landing.mkdir(parents=True)
    warehouse = Path(env["RW_WAREHOUSE"])
    work_db = warehouse.with_name(warehouse.stem + ".work.duckdb")

    for day in DAYS:
        assert _feed_day(generated, landing, day) > 0, f"the sample has no delivery on {day}"
        run = run_cli("run", env=env)
        assert "nothing new" not in run.stdout, f"day {day} brought files, yet the run built nothing"
        built = _mart_rows(warehouse) | _intermediate_rows(work_db)
        assert built["fct_order_lines"], f"no order lines published after {day}"
        reference = _full_refresh_reference(work_db, tmp_path / f"reference_{day}" / "w")
        problems = _differences(built, reference)
        assert not problems, f"after delivery day {day} the incremental build differs:\n" + "\n".join(problems)

    # a corrected orders file (same name, same day, five lines fewer) supersedes the delivered one: the
    # lines only it carried leave every model, the incremental order facts included
    delivered = sorted((landing / "orders" / DAYS[-1]).glob("*.csv"))[0]
    lines = delivered.read_bytes().splitlines(keepends=True)
    delivered.write_bytes(b"".join(lines[:-5]))
    before = len(built["fct_order_lines"])
    run = run_cli("run", env=env)
    assert "nothing new" not in run.stdout
    built = _mart_rows(warehouse) | _intermediate_rows(work_db)
    assert len(built["fct_order_lines"]) < before, "the corrected file's missing lines are still published"
    reference = _full_refresh_reference(work_db, tmp_path / "reference_corrected" / "w")
    problems = _differences(built, reference)
    assert not problems, "after a corrected delivery the incremental build differs:\n" + "\n".join(problems)

    # the command-line full refresh: nothing is new, yet it rebuilds, and publishes the same marts
    # (dq_pipeline_runs now also lists this run, which the reference predates)
    before_ids = _build_ids(warehouse)
    again = run_cli("run", "--full-refresh", env=env)
    assert "nothing new" not in again.stdout
    rebuilt = _mart_rows(warehouse) | _intermediate_rows(work_db)
    assert len(rebuilt.pop("dq_pipeline_runs")) == len(reference.pop("dq_pipeline_runs")) + 1
    problems = _differences(rebuilt, reference)
    assert not problems, "run --full-refresh published other marts:\n" + "\n".join(problems)
    after_ids = _build_ids(warehouse)
    assert after_ids and after_ids.isdisjoint(before_ids), "--full-refresh kept rows of an earlier build"


def _build_ids(warehouse: Path) -> set[str]:
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return {r[0] for r in con.execute("select distinct build_id from marts.rpt_kpi_monthly").fetchall()}
