"""Erasure building blocks on tiny deliveries: the list holds no pseudonym, a re-delivered file does
not bring an erased person back, a scrubbed and rewritten file holds no byte of the pseudonym, and
retention unlinks only records past the period."""

from __future__ import annotations

import datetime as dt
import sqlite3
from types import SimpleNamespace

import duckdb
import pytest
from ingest_fixtures import KEY, make_landing, valid_complaint, valid_order

from dagster_project.ingest import pseudonymise
from dagster_project.ingest.erasure_list import ERASED_MARKER, add_work_tags, erasure_tag
from dagster_project.privacy.erasure import (
    erase_completed_deletions,
    linked_pseudonyms,
    rewrite_duckdb_file,
    scrub_duckdb,
)
from dagster_project.privacy.retention import apply_retention
from dagster_project.state import connect_state, record_audit

ALICE, BOB = "CONSUMER-ALICE-0001", "CONSUMER-BOB-0002"
ALICE_PHONE = "13911112222"
P_ALICE, P_BOB = pseudonymise(ALICE, KEY), pseudonymise(BOB, KEY)
P_ALICE_PHONE = pseudonymise(ALICE_PHONE, KEY)


def _request(request_id, consumer_id, status="completed", request_type="deletion"):
    return {"request_id": request_id, "consumer_id": consumer_id, "request_type": request_type, "channel": "in_app",
            "received_at": "2026-10-01T10:00:00", "completed_at": "2026-10-03T10:00:00" if status == "completed" else "",
            "status": status, "rejection_reason": "", "updated_at": "2026-10-03T10:00:00"}


def _file_bytes(path) -> bytes:
    data = path.read_bytes()
    for suffix in (".wal", "-wal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


@pytest.fixture
def land(tmp_path):
    land = make_landing(tmp_path)
    land.write_csv("orders", "o.csv", [
        valid_order(order_id="O-1", consumer_id=ALICE, consumer_phone=ALICE_PHONE),
        valid_order(order_id="O-2", consumer_id=BOB, consumer_phone="13700009999"),
        valid_order(order_id="O-3", consumer_id=ALICE, quantity="x"),  # quarantined, raw values keep the pseudonym
    ])
    land.write_csv("complaints", "c.csv", [valid_complaint(consumer_id=ALICE)])
    land.write_csv("privacy_requests", "p.csv", [_request("PR-1", ALICE), _request("PR-2", BOB, status="open")])
    for source in ("orders", "complaints", "privacy_requests"):
        land.ingest(source)
    yield land
    land.con.close()


def test_the_erasure_tag_is_not_the_pseudonym_and_needs_the_key():
    tag = erasure_tag(P_ALICE, KEY)
    assert tag != P_ALICE and P_ALICE not in tag
    assert tag != erasure_tag(P_ALICE, b"another key of thirty-two bytes!")
    assert tag != pseudonymise(P_ALICE, KEY)  # a separate derivation, not the pseudonymisation key


def test_linked_pseudonyms_include_the_phone_on_the_consumers_orders(land):
    assert linked_pseudonyms(land.con, [P_ALICE]) == {P_ALICE, P_ALICE_PHONE}


def test_completed_deletion_requests_in_the_feed_are_erased(land, tmp_path):
    state = tmp_path / "state.sqlite"
    with connect_state(state) as con:
        record_audit(con, "analyst", "download", target=f"consumer {P_ALICE}")
    result = erase_completed_deletions(land.con, KEY, state)
    assert result.links_erased == 2  # Alice's consumer and phone pseudonyms; Bob's request is still open
    rows = land.rows("SELECT order_id, consumer_key, consumer_phone_key FROM raw.orders ORDER BY order_id")
    assert rows == [("O-1", ERASED_MARKER, ERASED_MARKER), ("O-2", P_BOB, pseudonymise("13700009999", KEY))]
    assert land.rows("SELECT consumer_key FROM raw.complaints") == [(ERASED_MARKER,)]
    assert land.rows("SELECT count(*) FROM meta.quarantine WHERE contains(raw_values, ?)", [P_ALICE]) == [(0,)]
    with sqlite3.connect(state) as con:
        log = con.execute("SELECT reason, request_id, links_erased FROM erasure_log").fetchall()
        assert log == [("deletion_request", "PR-1", 2)]
        assert P_ALICE not in str(con.execute("SELECT * FROM audit_log").fetchall())
        listed = {r[0] for r in con.execute("SELECT tag FROM erasure_list").fetchall()}
    assert listed == {erasure_tag(P_ALICE, KEY), erasure_tag(P_ALICE_PHONE, KEY)}
    assert P_ALICE.encode() not in state.read_bytes()
    # a second run finds nothing new to erase
    assert erase_completed_deletions(land.con, KEY, state).links_erased == 0


def test_a_corrected_redelivery_does_not_bring_an_erased_person_back(land):
    add_work_tags(land.con, {erasure_tag(P_ALICE, KEY)})
    land.write_csv("orders", "o.csv", [valid_order(order_id="O-1", consumer_id=ALICE, quantity="3")])  # new bytes
    land.write_csv("orders", "late.csv", [valid_order(order_id="O-9", consumer_id=ALICE)], delivery="2026-10-26")
    land.ingest("orders")
    keys = land.rows("SELECT DISTINCT consumer_key FROM raw.orders WHERE order_id IN ('O-1', 'O-9')")
    assert keys == [(ERASED_MARKER,)]


def test_scrub_then_rewrite_leaves_no_byte_of_the_pseudonym(land):
    path = land.db_path
    land.con.execute("CHECKPOINT")
    land.con.close()
    with duckdb.connect(str(path)) as con:
        assert scrub_duckdb(con, {P_ALICE, P_ALICE_PHONE}) >= 4
    assert P_ALICE.encode() in _file_bytes(path)  # an UPDATE alone leaves the old value in free blocks
    rewrite_duckdb_file(path)
    data = _file_bytes(path)
    assert P_ALICE.encode() not in data and P_ALICE_PHONE.encode() not in data
    assert P_BOB.encode() in data  # the scan sees pseudonyms that are still there
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.orders").fetchone()[0] == 2  # records keep their place


def test_retention_unlinks_only_records_past_the_period(land, tmp_path):
    land.con.execute("UPDATE raw.orders SET updated_at = TIMESTAMP '2020-01-01' WHERE order_id = 'O-2'")
    land.con.execute("CHECKPOINT")
    land.con.close()
    settings = SimpleNamespace(work_db=land.db_path, warehouse=tmp_path / "absent.duckdb",
                               state_db=tmp_path / "state.sqlite")
    result = apply_retention(settings, years=3, now=dt.datetime(2026, 11, 30))
    assert result.links_erased == 1
    with duckdb.connect(str(land.db_path), read_only=True) as con:
        rows = con.execute("SELECT order_id, consumer_key FROM raw.orders ORDER BY order_id").fetchall()
    assert rows == [("O-1", P_ALICE), ("O-2", ERASED_MARKER)]
    data = _file_bytes(land.db_path)
    assert pseudonymise("13700009999", KEY).encode() not in data  # the expired order's phone link is gone
    assert P_BOB.encode() in data  # Bob's recent privacy request still links to him: only old records go
    with sqlite3.connect(settings.state_db) as con:
        assert con.execute("SELECT reason, links_erased FROM erasure_log").fetchall() == [("retention", 1)]


def test_the_retention_job_runs_in_dagster_and_is_scheduled(land, tmp_path, monkeypatch):
    from dagster_project.definitions import defs
    from dagster_project.orchestration.resources import WarehouseResource
    from dagster_project.privacy.definitions import privacy_retention_job

    assert defs.get_schedule_def("privacy_retention_weekly").job_name == "privacy_retention_job"
    land.con.execute("UPDATE raw.complaints SET updated_at = TIMESTAMP '2021-01-01'")
    land.con.execute("CHECKPOINT")
    land.con.close()
    warehouse = tmp_path / "rw.duckdb"  # its work file is land.db_path (rw.work.duckdb)
    monkeypatch.setenv("RW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("RW_RETENTION_YEARS", "3")
    result = privacy_retention_job.execute_in_process(resources={"warehouse": WarehouseResource()})
    assert result.success and result.output_for_node("apply_retention_op") == 1
    with duckdb.connect(str(land.db_path), read_only=True) as con:
        assert con.execute("SELECT consumer_key FROM raw.complaints").fetchall() == [(ERASED_MARKER,)]


def test_erase_and_retention_wait_for_no_run(land, tmp_path, monkeypatch, capsys):
    """While a run holds the warehouse lock, erasure and retention refuse (exit 75) and change nothing."""
    from dagster_project.cli import main
    from dagster_project.orchestration.run_lock import EXIT_BUSY, warehouse_lock

    land.con.execute("CHECKPOINT")
    land.con.close()
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "rw.duckdb"))  # work file: land.db_path
    monkeypatch.setenv("RW_PSEUDONYM_KEY", KEY.hex())
    before = land.db_path.read_bytes()
    with warehouse_lock(land.db_path):
        assert main(["privacy", "erase", "--consumer-id", ALICE]) == EXIT_BUSY
        assert main(["privacy", "retention", "--years", "0.001"]) == EXIT_BUSY
    assert "holds the warehouse" in capsys.readouterr().err
    assert land.db_path.read_bytes() == before
    assert main(["privacy", "erase", "--consumer-id", ALICE]) == 0
    assert P_ALICE.encode() not in _file_bytes(land.db_path)
