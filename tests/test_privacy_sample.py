"""Personal data on the default sample, end to end (the real `rightswatch` commands):

- the request KPIs equal the generator's own computation (_truth/privacy_kpis.csv);
- every completed deletion request in the feed was erased: no byte of those consumers' pseudonyms in
  either DuckDB file or the state store, and no planted hidden value (identity numbers, mobiles in
  rejection reasons) anywhere in the files;
- a consumer exported, erased, the pipeline run again: the export is empty, fact counts and every
  KPI numerator and denominator unchanged, no byte of the pseudonym left.

Works on a copy of the session's sample build, so other tests keep theirs.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys

import duckdb
import pytest

from dagster_project.ingest import pseudonymise
from dagster_project.ingest.erasure_list import ERASED_MARKER
from tests.conftest import PROJECT_ROOT, SampleBuild

FACTS = ("fct_order_lines", "fct_complaints", "fct_refunds", "fct_privacy_requests")


def _truth(build: SampleBuild, name: str) -> list[dict]:
    with (build.landing / "_truth" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _all_bytes(build: SampleBuild) -> bytes:
    data = b""
    for path in (build.work_db, build.warehouse, build.warehouse.with_name(build.warehouse.stem + ".state.sqlite")):
        for candidate in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + "-wal")):
            if candidate.exists():
                data += candidate.read_bytes()
    return data


def _logical_hits(build: SampleBuild, values: list[str]) -> list[tuple]:
    """(file, table, column, value) for every VARCHAR column of both DuckDB files containing a value: DuckDB
    may store strings compressed, so the byte scan is backed by this scan of the stored values."""
    hits = []
    for path in (build.work_db, build.warehouse):
        with duckdb.connect(str(path), read_only=True) as con:
            columns = con.execute(
                "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
                "WHERE c.table_catalog = current_database() AND c.data_type = 'VARCHAR' "
                "AND t.table_type = 'BASE TABLE'").fetchall()
            con.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS v", [values])
            for schema, table, column in columns:
                for (v,) in con.execute(f'SELECT DISTINCT w.v FROM "{schema}"."{table}" x JOIN wanted w '
                                        f'ON contains(x."{column}", w.v)').fetchall():
                    hits.append((path.name, f"{schema}.{table}", column, v))
    return hits


def _key(build: SampleBuild) -> bytes:
    from dagster_project.ingest.pseudonymise import _decode_key

    return _decode_key(build.warehouse.with_name(build.warehouse.stem + ".key").read_text())


def _published(build: SampleBuild, sql: str) -> list[tuple]:
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def build(sample_build, tmp_path_factory) -> SampleBuild:
    root = tmp_path_factory.mktemp("privacy_copy")
    shutil.copytree(sample_build.warehouse.parent, root / "warehouse")
    (root / "dagster_home").mkdir()
    warehouse = root / "warehouse" / sample_build.warehouse.name
    env = {**sample_build.env, "RW_WAREHOUSE": str(warehouse), "RW_REPORTS": str(root / "reports"),
           "DAGSTER_HOME": str(root / "dagster_home")}
    return SampleBuild(root=root, landing=sample_build.landing, warehouse=warehouse,
                       work_db=warehouse.with_name(warehouse.stem + ".work.duckdb"), env=env,
                       run_output=sample_build.run_output)


def test_request_kpis_equal_the_generators_truth(build):
    got = {(str(m), code): (n, d, p) for m, code, n, d, p in _published(build, """
        SELECT month, kpi_code, numerator, denominator, pending_count FROM marts.rpt_kpi_monthly
        WHERE merchant_id IS NULL AND kpi_code IN
              ('privacy_request_on_time_rate', 'privacy_request_count', 'privacy_deletion_overdue_count')""")}
    expected = {(r["month"], r["kpi_code"]): (float(r["numerator"]), int(r["denominator"]) if r["denominator"] else None,
                                               int(r["pending_count"]))
                for r in _truth(build, "privacy_kpis.csv")}
    assert len(expected) >= 21
    assert {k: got.get(k) for k in expected} == expected
    assert _published(build, "SELECT count(*) FROM marts.rpt_kpi_monthly WHERE merchant_id IS NOT NULL "
                             "AND kpi_code LIKE 'privacy_request%'") == [(0,)]


def test_feed_deletions_erased_and_hidden_values_absent_from_every_file(build):
    key = _key(build)
    data = _all_bytes(build)
    erased = _truth(build, "privacy_erasures.csv")
    assert len(erased) >= 10
    assert [r["consumer_id"] for r in erased if pseudonymise(r["consumer_id"], key).encode() in data] == []
    assert _logical_hits(build, [pseudonymise(r["consumer_id"], key) for r in erased]) == []
    hidden = [r["value"] for r in _truth(build, "hidden_pii.csv")]
    assert len(hidden) >= 6
    assert [v for v in hidden if v.encode() in data] == []
    with sqlite3.connect(build.warehouse.with_name(build.warehouse.stem + ".state.sqlite")) as con:
        log = con.execute("SELECT count(*), count(DISTINCT request_id) FROM erasure_log "
                          "WHERE reason = 'deletion_request'").fetchone()
    assert log == (len(erased), len(erased))


def _a_consumer_with_orders_and_complaints(build: SampleBuild, key: bytes) -> str:
    keys = {k for (k,) in _published(build, """
        SELECT c.consumer_key FROM marts.fct_complaints c
        WHERE c.consumer_key <> 'ERASED'
          AND c.consumer_key IN (SELECT consumer_key FROM marts.fct_order_lines)""")}
    for n in range(1, 200_000):
        clear = f"U{n:09d}"
        if pseudonymise(clear, key) in keys:
            return clear
    raise AssertionError("no consumer with both orders and complaints in the sample")


def _kpis(build: SampleBuild) -> set[tuple]:
    return set(_published(build, "SELECT month, merchant_id, kpi_code, numerator, denominator FROM marts.rpt_kpi_monthly"))


def test_export_erase_run_again(build, tmp_path):
    key = _key(build)
    clear = _a_consumer_with_orders_and_complaints(build, key)
    pseudonym = pseudonymise(clear, key)
    counts_before = {t: _published(build, f"SELECT count(*) FROM marts.{t}")[0][0] for t in FACTS}
    kpis_before = _kpis(build)

    out = tmp_path / "export"
    exported = subprocess.run([sys.executable, "-m", "dagster_project.cli", "privacy", "export", "--out", str(out)],
                              input=clear + "\n", env=build.env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=300)
    assert exported.returncode == 0, exported.stderr
    assert clear not in exported.stdout + exported.stderr
    orders = (out / "orders.csv").read_bytes()
    assert orders.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert len(json.loads((out / "orders.json").read_text(encoding="utf-8"))) >= 1
    assert len(json.loads((out / "complaints.json").read_text(encoding="utf-8"))) >= 1
    note = (out / "README.txt").read_text(encoding="utf-8")
    assert "个人信息副本" in note and "Copy of personal information" in note

    assert _logical_hits(build, [pseudonym])  # the scan sees the person before the erasure
    build.rightswatch("privacy", "erase", "--consumer-id", clear)
    assert pseudonym.encode() not in _all_bytes(build)
    assert _logical_hits(build, [pseudonym]) == []
    build.rightswatch("run")
    assert pseudonym.encode() not in _all_bytes(build)
    assert _logical_hits(build, [pseudonym]) == []

    again = tmp_path / "again"
    build.rightswatch("privacy", "export", "--consumer-id", clear, "--out", str(again))
    for name in ("orders", "complaints", "refunds", "privacy_requests"):
        assert json.loads((again / f"{name}.json").read_text(encoding="utf-8")) == [], name
    assert {t: _published(build, f"SELECT count(*) FROM marts.{t}")[0][0] for t in FACTS} == counts_before
    assert _kpis(build) == kpis_before
    assert _published(build, f"SELECT count(*) FROM marts.fct_complaints WHERE consumer_key = '{ERASED_MARKER}'")[0][0] >= 1
    with sqlite3.connect(build.warehouse.with_name(build.warehouse.stem + ".state.sqlite")) as con:
        assert con.execute("SELECT reason, request_id FROM erasure_log WHERE reason = 'operator'").fetchall() == [
            ("operator", None)]


def test_the_scans_see_a_consumer_who_was_not_erased(build):
    """Sanity for the scans above: a pseudonym still in use is found in the stored values."""
    [(kept,)] = _published(build, "SELECT consumer_key FROM marts.fct_order_lines "
                                  f"WHERE consumer_key <> '{ERASED_MARKER}' LIMIT 1")
    assert {h[0] for h in _logical_hits(build, [kept])} == {build.work_db.name, build.warehouse.name}
