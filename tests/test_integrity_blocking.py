"""A delivery whose blocking check failed stays blocked on every later run, until its files change or a
named person records an override (state store + audit log). Real Dagster runs the ingestion asset and
its checks, real Great Expectations validates."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from ingest_fixtures import DELIVERY, csv_bytes, valid_order

from dagster_project.orchestration.assets.ingestion import landing_ingestion
from dagster_project.orchestration.resources import WarehouseResource
from dagster_project.settings import get_settings
from dagster_project.state import connect_state, read_audit_log
from dagster_project.state.overrides import OverrideError, record_override
from tests.conftest import run_cli


@pytest.fixture
def warehouse_env(tmp_path, monkeypatch):
    monkeypatch.setenv("RW_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "wh" / "rw.duckdb"))
    monkeypatch.setenv("RW_PSEUDONYM_KEY", "k" * 64)
    folder = tmp_path / "landing" / "orders" / DELIVERY
    folder.mkdir(parents=True)
    (folder / "a.csv").write_bytes(csv_bytes([valid_order(order_id="O-1"), valid_order(order_id="O-2")]))
    return get_settings()


def _run_ingestion() -> dict[str, bool]:
    result = dg.materialize([landing_ingestion], resources={"warehouse": WarehouseResource()},
                           instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    return {f"{e.asset_key.path[-1]}.{e.check_name}": e.passed for e in result.get_asset_check_evaluations()
            if e.asset_key.path[-1] == "orders"}


def _break_loaded_rows(settings) -> None:
    """Make the loaded rows fail an error expectation (quantity > 0) and look newly loaded, as rows that
    slipped past a row rule would; Great Expectations is then the check that must stop them."""
    with closing(duckdb.connect(str(settings.work_db))) as con:
        con.execute("UPDATE raw.orders SET quantity = 0, _loaded_at = ?",
                    [dt.datetime.now(dt.UTC).replace(tzinfo=None)])


def _blocks(settings) -> list[tuple]:
    with closing(duckdb.connect(str(settings.work_db), read_only=True)) as con:
        return con.execute("SELECT delivery_date, check_name, blocked, override_id FROM meta.delivery_blocks "
                           "ORDER BY ALL").fetchall()


def test_a_failed_delivery_stays_blocked_until_overridden_or_changed(warehouse_env):
    settings = warehouse_env
    day = dt.date.fromisoformat(DELIVERY)
    assert _run_ingestion()["orders.gx_contract_suite"] is True
    _break_loaded_rows(settings)
    assert _run_ingestion()["orders.gx_contract_suite"] is False
    # the bypass: a second run validates 0 deliveries and used to pass
    assert _run_ingestion()["orders.gx_contract_suite"] is False
    assert _blocks(settings) == [(day, "gx_contract_suite", True, None)]

    with closing(connect_state(settings.state_db)) as state:
        override = record_override(state, "orders", DELIVERY, "Wang Fang", "quantities confirmed with the platform")
    checks = _run_ingestion()
    assert checks["orders.gx_contract_suite"] is True and checks["orders.rows_reconciled"] is True
    assert _blocks(settings) == [(day, "gx_contract_suite", False, override["override_id"])]
    with closing(duckdb.connect(str(settings.work_db), read_only=True)) as con:
        assert con.execute("SELECT overridden_by, reason FROM meta.delivery_overrides").fetchall() == [
            ("Wang Fang", "quantities confirmed with the platform")]

    # new files in the delivery: validated again, fails again, the old override does not cover it
    (settings.landing / "orders" / DELIVERY / "b.csv").write_bytes(csv_bytes([valid_order(order_id="O-3")]))
    _break_loaded_rows(settings)
    assert _run_ingestion()["orders.gx_contract_suite"] is False
    assert _blocks(settings) == [(day, "gx_contract_suite", True, None)]

    # the files change and the rows are right: unblocked without an override
    (settings.landing / "orders" / DELIVERY / "a.csv").write_bytes(csv_bytes([valid_order(order_id="O-1")]))
    (settings.landing / "orders" / DELIVERY / "b.csv").write_bytes(csv_bytes([valid_order(order_id="O-4")]))
    assert _run_ingestion()["orders.gx_contract_suite"] is True
    assert _blocks(settings) == []


def test_an_override_needs_a_named_person_and_a_reason_and_is_audited(tmp_path):
    with closing(connect_state(tmp_path / "s.sqlite")) as state:
        for source, day, actor, reason in (("orders", DELIVERY, "", "r"), ("orders", DELIVERY, "system", "r"),
                                           ("orders", DELIVERY, "Li", "  "), ("nope", DELIVERY, "Li", "r"),
                                           ("orders", "2026-13-01", "Li", "r")):
            with pytest.raises(OverrideError):
                record_override(state, source, day, actor, reason)
        assert state.execute("SELECT count(*) FROM delivery_overrides").fetchone()[0] == 0
        record_override(state, "orders", DELIVERY, "Li Lei", "checked by hand")
        (entry,) = read_audit_log(state, action="delivery_override")
        assert (entry["actor"], entry["target"]) == ("Li Lei", f"orders/{DELIVERY}")
        assert "checked by hand" in entry["detail"]


def test_override_command_records_in_the_state_store(tmp_path):
    env = {"RW_WAREHOUSE": str(tmp_path / "wh" / "rw.duckdb"), "PATH": "/usr/bin:/bin"}
    proc = run_cli("override", "orders", DELIVERY, "--actor", "张伟", "--reason", "已与平台核实", env=env)
    assert "Override 1 recorded: orders 2026-10-25 released by 张伟" in proc.stdout
    bad = run_cli("override", "orders", "25/10/2026", "--actor", "张伟", "--reason", "x", env=env, check=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    with closing(sqlite3.connect(Path(tmp_path / "wh" / "rw.state.sqlite"))) as con:
        assert con.execute("SELECT source, delivery_date, overridden_by, reason FROM delivery_overrides").fetchall() == [
            ("orders", DELIVERY, "张伟", "已与平台核实")]
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'delivery_override'").fetchone()[0] == 1
