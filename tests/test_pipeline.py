"""The warehouse end to end, on the generated sample, built by the real CLI (see conftest.sample_build)."""

from __future__ import annotations

import csv
import json
from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.contract import SOURCES, load_contract
from dagster_project.warehouse.publish import open_published
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def _published(build):
    return closing(open_published(build.warehouse))


def _truth_bad_rows(build) -> pd.DataFrame:
    return pd.read_csv(build.landing / "_truth" / "bad_rows.csv", dtype=str)


def test_summary_reports_every_source_checks_and_tables(sample_build):
    out = sample_build.run_output
    for source in SOURCES:
        assert f"\n  {source}" in out
    assert "checks:" in out and " 0 failed" in out
    assert "published:" in out and "rpt_kpi_monthly" in out


def test_every_file_reconciles_and_quarantine_matches_the_planted_bad_rows(sample_build):
    with _published(sample_build) as con:
        recon = con.execute("select * from marts.dq_file_reconciliation").df()
        quarantine = con.execute("select source, delivery_date, file_name, line, rule from marts.dq_quarantine").df()
    loaded = recon[recon["status"] == "loaded"]
    assert len(loaded) > 0
    assert (loaded["rows_read"] == loaded["rows_loaded"] + loaded["rows_quarantined"]).all()
    assert loaded["reconciled"].all()
    assert set(loaded["source"]) == set(SOURCES)
    truth = _truth_bad_rows(sample_build)
    got = quarantine.assign(delivery_date=quarantine["delivery_date"].astype(str), line=quarantine["line"].astype(str))
    key = ["source", "delivery_date", "file_name", "line", "rule"]
    expected = set(map(tuple, truth[key].itertuples(index=False)))
    actual = set(map(tuple, got[key].itertuples(index=False)))
    assert expected == actual, {"missing": sorted(expected - actual)[:10], "unexpected": sorted(actual - expected)[:10]}
    # every hard rule of the contract is exercised by the sample
    assert {"required_missing", "type_invalid", "malformed_record", "enum_invalid", "domain_violation",
            "license_check_failed", "duplicate_key", "conflicting_key"} <= set(quarantine["rule"])


def test_gx_results_are_published_for_every_source(sample_build):
    with _published(sample_build) as con:
        gx = con.execute("select source, severity, success from marts.dq_gx_results").df()
    assert set(gx["source"]) == set(SOURCES)
    assert gx[gx["severity"] == "error"]["success"].all()


def test_marts_are_populated(sample_build):
    with _published(sample_build) as con:
        counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
                  for t in ("fct_order_lines", "fct_complaints", "fct_refunds", "dim_merchants", "rpt_kpi_monthly")}
        codes = {r[0] for r in con.execute("select distinct kpi_code from marts.rpt_kpi_monthly").fetchall()}
        platform_months = con.execute(
            "select count(distinct month) from marts.rpt_kpi_monthly where merchant_id is null").fetchone()[0]
        runs = con.execute("select status from marts.dq_pipeline_runs order by started_at desc limit 1").fetchone()
    assert all(n > 0 for n in counts.values()), counts
    assert {"complaint_first_response_24h_rate", "complaint_resolved_rate",
            "complaint_resolution_median_hours"} <= codes
    assert platform_months >= 6
    assert runs[0] == "success"


def test_complaint_text_is_kept_exactly_as_delivered(sample_build):
    texts = []
    for path in sorted((sample_build.landing / "complaints").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and row.get("description") and "<script>" in row["description"]:
                texts.append((row["complaint_id"], row["description"]))
    assert texts, "the sample should carry a description with markup"
    with _published(sample_build) as con:
        published = {
            complaint_id: con.execute("select description from marts.fct_complaints where complaint_id = ?",
                                      [complaint_id]).fetchone()
            for complaint_id, _ in texts
        }
    # files are read in delivery order, so the last text seen is the latest delivered version
    latest = dict(texts)
    found = {cid: row[0] for cid, row in published.items() if row is not None}
    assert found, "no complaint carrying markup reached fct_complaints"
    for complaint_id, description in found.items():
        assert description == latest[complaint_id]


def _clear_personal_values(landing: Path) -> set[str]:
    """Clear consumer ids and phone numbers as delivered, straight from the landing files."""
    contract = load_contract()
    values: set[str] = set()
    for source in SOURCES:
        pii = [c.name for c in contract[source].pii_columns]
        if not pii:
            continue
        for path in sorted((landing / source).rglob("*")):
            name = path.name
            if name.endswith(".parquet"):
                frame = pd.read_parquet(path)
            elif name.endswith((".jsonl", ".jsonl.gz")):
                frame = _jsonl(path)
            elif name.endswith((".csv", ".csv.gz")):
                frame = _csv(path)
            else:
                continue
            for col in pii:
                if col in frame:
                    values |= {str(v) for v in frame[col].dropna() if len(str(v)) >= 6}
    return values


def _jsonl(path: Path) -> pd.DataFrame:
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                rows.append(obj)
    return pd.DataFrame(rows)


def _csv(path: Path) -> pd.DataFrame:
    import gzip

    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return pd.DataFrame(list(csv.DictReader(text.splitlines(keepends=True))))


def _clear_hits(con, relation: str, column: str) -> int:
    """Values of ``column`` holding a clear personal value: every value is split into tokens at
    spaces and JSON punctuation, so a value embedded in raw_values or _extra_columns is found by an
    exact (hash) join instead of a slow substring search."""
    return con.execute(
        f"select count(*) from (select unnest(regexp_extract_all(t.\"{column}\", "
        f"'[^\\s\"'',:;{{}}\\[\\]]+')) as token from {relation} t) "
        "join clear_values c on c.v = token").fetchone()[0]


def test_no_clear_personal_data_anywhere_in_the_duckdb_files(sample_build):
    clear = _clear_personal_values(sample_build.landing)
    assert len(clear) > 100
    for db in (sample_build.work_db, sample_build.warehouse):
        with closing(duckdb.connect()) as con:
            con.execute(f"ATTACH '{db}' AS d (READ_ONLY)")
            # base tables hold the data (views over them are read through their tables)
            columns = con.execute(
                "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
                "join information_schema.tables t using (table_catalog, table_schema, table_name) "
                "where c.table_catalog = 'd' and c.data_type = 'VARCHAR' and t.table_type = 'BASE TABLE'"
            ).fetchall()
            con.execute("create temp table clear_values(v varchar)")
            con.executemany("insert into clear_values values (?)", [[v] for v in sorted(clear)])
            # the scan must see a clear value embedded in JSON, as raw_values would hold it
            probe = sorted(clear)[0]
            con.execute("create temp table probe as select ? as v", [f'{{"consumer_id": "{probe}", "n": 1}}'])
            assert _clear_hits(con, "probe", "v") == 1
            for schema, table, column in columns:
                hits = _clear_hits(con, f'd."{schema}"."{table}"', column)
                assert hits == 0, f"clear personal data in {db.name}: {schema}.{table}.{column}"
        data = db.read_bytes()
        leaked = [v for v in sorted(clear)[:300] if v.encode() in data]
        assert not leaked, f"clear values in the bytes of {db.name}: {leaked[:3]}"


def test_a_second_run_on_the_same_landing_loads_nothing_new(sample_build):
    with closing(duckdb.connect(str(sample_build.work_db), read_only=True)) as con:
        before = con.execute(
            "select count(*), sum(rows_loaded) from meta.file_registry where status='loaded'").fetchone()
        raw_before = {s: con.execute(f"select count(*) from raw.{s}").fetchone()[0] for s in SOURCES}
        last_built = con.execute(
            "select run_id from meta.pipeline_runs where status = 'success' order by finished_at desc limit 1"
        ).fetchone()[0]
    reader = open_published(sample_build.warehouse)  # a dashboard holding the file open
    published_before = sample_build.warehouse.stat()
    proc = sample_build.rightswatch("run")
    assert "0 new file(s)" in proc.stdout
    # nothing new, nothing done: said in one line, dbt never started, the published file untouched
    assert f"nothing new since run {last_built}" in proc.stdout
    assert "dbt build" not in proc.stdout and "emitted no result" not in proc.stdout + proc.stderr
    published_after = sample_build.warehouse.stat()
    assert (published_after.st_ino, published_after.st_mtime_ns) == (published_before.st_ino, published_before.st_mtime_ns)
    assert reader.execute("select count(*) from marts.fct_order_lines").fetchone()[0] > 0
    reader.close()
    with closing(duckdb.connect(str(sample_build.work_db), read_only=True)) as con:
        after = con.execute("select count(*), sum(rows_loaded) from meta.file_registry where status='loaded'").fetchone()
        raw_after = {s: con.execute(f"select count(*) from raw.{s}").fetchone()[0] for s in SOURCES}
        recorded = con.execute("select status, message from meta.pipeline_runs order by started_at desc limit 1").fetchone()
    assert before == after
    assert raw_before == raw_after
    assert recorded[0] == "nothing_new" and last_built in recorded[1]
    _assert_dagster_skipped_dbt_and_publication(sample_build)


def _assert_dagster_skipped_dbt_and_publication(build) -> None:
    """The Dagster instance recorded the run as a success of the ingestion step alone: with nothing new in
    sight, dbt and publication were not even planned (dagster_project.orchestration.landing_only)."""
    from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

    from dagster_project.orchestration.landing_only import LANDING_ONLY_JOB_NAME

    with DagsterInstance.from_config(build.env["DAGSTER_HOME"]) as instance:
        run = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.SUCCESS]), limit=1)[0]
        started = {record.event_log_entry.step_key for record in instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.STEP_START).records}
    assert run.job_name == LANDING_ONLY_JOB_NAME
    assert started == {"landing_ingestion"}, started


def test_a_failed_run_leaves_the_last_good_warehouse(sample_build, tmp_path):
    env = sample_build.copy(tmp_path).env
    published = Path(env["RW_WAREHOUSE"])
    before = published.read_bytes()
    bad = tmp_path / "bad.yml"
    bad.write_text("rw_reporting_tz: Not/A_Zone\n", encoding="utf-8")  # every local-time conversion fails
    proc = run_cli("run", env={**env, "RW_CONFIG": str(bad)}, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "last good warehouse" in proc.stderr
    assert published.read_bytes() == before
    with closing(open_published(published)) as con:
        assert con.execute("select count(*) from marts.fct_order_lines").fetchone()[0] > 0
