"""Management decisions on the enforcement list: recorded with their rules, audited with the previous
value, exported for the pipeline, and never lost by a rebuild of the warehouse."""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from dagster_project.state import connect_state, read_audit_log
from dagster_project.state.decisions import (
    COLUMNS,
    DecisionError,
    current_decisions,
    decision_history,
    export_decisions,
    record_decision,
)
from dagster_project.warehouse.publish import open_published


@pytest.fixture()
def state(tmp_path):
    with closing(connect_state(tmp_path / "rightswatch.state.sqlite")) as con:
        yield con


def _count(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def test_confirm_keeps_the_computed_tier_and_is_audited(state):
    at = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    decision_id = record_decision(state, "M10040", date(2026, 10, 31), 4, "confirm", None, None, "alice", at=at)
    [row] = current_decisions(state)
    assert row["decision_id"] == decision_id
    assert (row["merchant_id"], row["as_of_date"], row["computed_tier"], row["decision"], row["decided_tier"]) == \
        ("M10040", "2026-10-31", 4, "confirm", 4)
    assert row["decided_by"] == "alice" and row["decided_at"] == "2026-11-01T09:30:00+00:00"
    [audit] = read_audit_log(state, action="decision")
    assert audit["actor"] == "alice" and audit["target"] == "M10040"
    detail = json.loads(audit["detail"])
    assert detail["decision_id"] == decision_id and detail["decided_tier"] == 4 and detail["previous"] is None


@pytest.mark.parametrize("decision, decided_tier, reason, message", [
    ("downgrade", 2, None, "requires a reason"),
    ("downgrade", 2, "   ", "requires a reason"),
    ("dismiss", None, "", "requires a reason"),
    ("downgrade", 3, "first offence", "decided_tier < computed_tier"),
    ("downgrade", 4, "first offence", "decided_tier < computed_tier"),
    ("downgrade", None, "first offence", "requires the decided tier"),
    ("confirm", 2, None, "confirm keeps the computed tier"),
    ("dismiss", 1, "wrong evidence", "dismiss means no action"),
    ("escalate", 4, "x", "decision must be one of"),
    ("downgrade", -1, "x", "decided_tier must be an integer tier"),
])
def test_invalid_decisions_are_refused_and_write_nothing(state, decision, decided_tier, reason, message):
    with pytest.raises(DecisionError, match=message):
        record_decision(state, "M10031", "2026-10-31", 3, decision, decided_tier, reason, "bob")
    assert _count(state, "management_decisions") == 0
    assert _count(state, "audit_log") == 0


def test_actor_and_tiers_are_required(state):
    with pytest.raises(DecisionError, match="actor"):
        record_decision(state, "M1", "2026-10-31", 2, "confirm", None, None, " ")
    with pytest.raises(DecisionError, match="computed_tier"):
        record_decision(state, "M1", "2026-10-31", 5, "confirm", None, None, "bob")
    with pytest.raises(DecisionError, match="as_of_date"):
        record_decision(state, "M1", "31/10/2026", 2, "confirm", None, None, "bob")
    assert _count(state, "management_decisions") == 0


def test_a_new_decision_replaces_the_current_one_and_the_audit_keeps_the_previous(state):
    first = record_decision(state, "M10031", "2026-10-30", 3, "downgrade", 2, "first offence, rectified", "alice")
    second = record_decision(state, "M10031", "2026-10-31", 3, "dismiss", None, "evidence was a test account", "carol")
    record_decision(state, "M10040", "2026-10-31", 4, "confirm", None, None, "alice")
    current = {d["merchant_id"]: d for d in current_decisions(state)}
    assert current["M10031"]["decision_id"] == second
    assert current["M10031"]["decided_tier"] == 0 and current["M10031"]["reason"] == "evidence was a test account"
    assert [d["decision_id"] for d in decision_history(state, "M10031")] == [second, first]
    audits = [json.loads(a["detail"]) for a in read_audit_log(state, action="decision") if a["target"] == "M10031"]
    latest = audits[0]
    assert latest["decision"] == "dismiss" and latest["previous"]["decision_id"] == first
    assert latest["previous"]["decision"] == "downgrade" and latest["previous"]["decided_tier"] == 2
    assert latest["previous"]["reason"] == "first offence, rectified"


def test_export_has_the_work_table_columns_and_types(state):
    empty = export_decisions(state)
    assert list(empty.columns) == list(COLUMNS) and empty.empty
    record_decision(state, "M10032", "2026-10-31", 2, "downgrade", 1, "cooperating", "dave",
                    at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    frame = export_decisions(state)
    assert list(frame.columns) == list(COLUMNS)
    row = frame.iloc[0]
    assert row["as_of_date"] == date(2026, 10, 31)
    assert row["decided_at"] == pd.Timestamp("2026-11-02 08:00:00")
    assert int(row["computed_tier"]) == 2 and int(row["decided_tier"]) == 1


@pytest.mark.slow
def test_a_decision_survives_a_full_rebuild_and_shows_in_the_list(sample_build, tmp_path):
    """Record a downgrade in the state store, throw the work database away and rebuild everything from
    the landing files: the decision is still in the state store and shown beside the computed tier."""
    with closing(open_published(sample_build.warehouse)) as con:
        as_of, merchant_id, tier = con.execute(
            "select as_of_date, merchant_id, tier from marts.rpt_merchant_enforcement"
            " where as_of_date = (select max(as_of_date) from marts.rpt_merchant_enforcement) and tier >= 2"
            " order by tier desc, merchant_id limit 1").fetchone()
        other = con.execute(
            "select count(*) from marts.rpt_merchant_enforcement where decision is not null").fetchone()[0]
    assert other == 0

    root = tmp_path / "copy"
    shutil.copytree(sample_build.warehouse.parent, root / "warehouse")
    env = {**sample_build.env, "RW_WAREHOUSE": str(root / "warehouse" / sample_build.warehouse.name),
           "RW_REPORTS": str(root / "reports"), "DAGSTER_HOME": str(root / "dagster_home")}
    (root / "dagster_home").mkdir()
    warehouse = Path(env["RW_WAREHOUSE"])
    state_path = warehouse.with_name(warehouse.stem + ".state.sqlite")
    with closing(connect_state(state_path)) as state:
        decision_id = record_decision(state, merchant_id, as_of, tier, "downgrade", tier - 1,
                                      "first offence, rectification plan accepted", "test-manager")

    work = warehouse.with_name(warehouse.stem + ".work.duckdb")
    work.unlink()  # the full rebuild: nothing of the old build survives but the landing files and state
    sample_build.rightswatch("run", env=env)

    with closing(connect_state(state_path)) as state:
        assert [d["decision_id"] for d in current_decisions(state)] == [decision_id]
    with closing(open_published(warehouse)) as con:
        shown = con.execute(
            "select as_of_date, merchant_id, tier, decision, decided_tier, decision_reason, decided_by, decided_at"
            " from marts.rpt_merchant_enforcement where decision is not null").df()
    assert len(shown) >= 1
    row = shown[shown["as_of_date"] == pd.Timestamp(as_of)].iloc[0]
    assert (row["merchant_id"], row["tier"], row["decision"], row["decided_tier"]) == \
        (merchant_id, tier, "downgrade", tier - 1)
    assert row["decision_reason"] == "first offence, rectification plan accepted"
    assert row["decided_by"] == "test-manager" and pd.notna(row["decided_at"])
    assert set(shown["merchant_id"]) == {merchant_id}


def test_a_decision_joins_the_callers_transaction(state):
    state.execute("BEGIN")
    record_decision(state, "M10032", "2026-10-31", 2, "confirm", None, None, "erin")
    state.execute("ROLLBACK")
    assert _count(state, "management_decisions") == 0 and _count(state, "audit_log") == 0
