"""The look-ahead before a run (dagster_project.orchestration.quiet_landing): when nothing looks new,
`rightswatch run` runs the ingestion step alone; when ingestion finds something the look-ahead could not
see (other bytes of the same size under the same name), the whole warehouse job follows and publishes it."""

from __future__ import annotations

import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from dagster_project.orchestration.quiet_landing import INGESTED_ONLY, landing_looks_unchanged
from dagster_project.settings import Settings
from dagster_project.warehouse.publish import open_published
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def _settings(root: Path) -> Settings:
    return Settings(landing=root / "landing", warehouse=root / "warehouse" / "rightswatch.duckdb",
                    reports=root / "reports", users_file=root / "users.json", config_file=None)


def _last_refunds_file(root: Path) -> Path:
    return sorted((root / "landing" / "refunds").glob("*/*.csv"))[-1]


def test_the_look_ahead_sees_new_files_and_sizes_but_not_same_size_bytes(sample_build, tmp_path):
    root = sample_build.copy(tmp_path).root
    settings = _settings(root)
    assert landing_looks_unchanged(settings)

    last = _last_refunds_file(root)
    original = last.read_bytes()
    last.write_bytes(original + b"\n")  # one byte more: a changed size
    assert not landing_looks_unchanged(settings)
    last.write_bytes(original)
    assert landing_looks_unchanged(settings)

    extra = last.parent.parent / "2026-12-31" / "refunds_late.csv"
    extra.parent.mkdir()
    extra.write_bytes(original)  # a file the registry has never seen
    assert not landing_looks_unchanged(settings)
    shutil.rmtree(extra.parent)

    settings.warehouse.rename(settings.warehouse.with_suffix(".gone"))  # nothing published to keep
    assert not landing_looks_unchanged(settings)


def test_other_bytes_of_the_same_size_are_found_by_ingestion_and_published(sample_build, tmp_path):
    copy = sample_build.copy(tmp_path)
    root, env = copy.root, copy.env
    last = _last_refunds_file(root)
    data = last.read_bytes()
    start = data.index(b"\n") + 1  # the first record, after the header
    end = data.index(b"\n", start)
    fields = data[start:end].rstrip(b"\r").split(b",")
    refund_id, amount = fields[0].decode(), fields[10].decode()
    changed = amount[:-1] + str((int(amount[-1]) + 1) % 10)  # the last cent moves: same length
    edited = data[:start] + data[start:end].replace(fields[10], changed.encode(), 1) + data[end:]
    assert len(edited) == len(data) and edited != data
    last.write_bytes(edited)
    assert landing_looks_unchanged(_settings(root)), "the look-ahead must not read bytes"

    proc = run_cli("run", env=env)
    assert "Ingestion found something new after all" in proc.stdout
    assert "nothing new since" not in proc.stdout
    with closing(open_published(Path(env["RW_WAREHOUSE"]))) as con:
        published = con.execute("select amount from marts.fct_refunds where refund_id = ?", [refund_id]).fetchone()[0]
    assert f"{published:.2f}" == changed
    with closing(duckdb.connect(str(copy.work_db), read_only=True)) as con:
        statuses = [r[0] for r in con.execute(
            "select status from meta.pipeline_runs order by started_at desc limit 2").fetchall()]
    assert statuses == ["success", INGESTED_ONLY]

    again = run_cli("run", env=env)  # and now nothing is new, told by the ingestion step alone
    assert "nothing new since" in again.stdout and "found something new" not in again.stdout
