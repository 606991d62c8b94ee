"""Landing contract 1.1, end to end through the real pipeline: a version whose updated_at lies after the
end of its delivery day (an exporter's clock error) loads, is the record's version from its delivery day
on, and carries the soft flag updated_at_after_delivery in the facts and in dq_row_flags (issue 10,
item 5: "loaded rows vanish")."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from dagster_project.warehouse.publish import open_published
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_a_version_stamped_after_its_delivery_day_is_visible_and_flagged(sample_build, tmp_path):
    with closing(open_published(sample_build.warehouse)) as con:
        last_day = con.execute("select max(delivery_date) from marts.dq_file_reconciliation").fetchone()[0]
        complaint_id, merchant_id, status = con.execute(
            "select complaint_id, merchant_id, status from marts.fct_complaints"
            " where status = 'open' and merchant_id is not null order by complaint_id limit 1").fetchone()

    copy = sample_build.copy(tmp_path)
    root, env = copy.root, copy.env
    next_day = last_day + timedelta(days=1)
    stamped = next_day + timedelta(days=3)  # three days after the delivery day: impossible at delivery time
    version = {
        "complaint_id": complaint_id, "order_id": None, "merchant_id": merchant_id, "consumer_id": "U-clock-error",
        "channel": "in_app", "right_category": "returns", "issue_code": "other",
        "received_at": f"{last_day.isoformat()}T09:00:00", "first_response_at": f"{next_day.isoformat()}T09:00:00",
        "verified_at": None, "resolved_at": f"{next_day.isoformat()}T10:00:00", "status": "resolved",
        "outcome": "none", "substantiated": False, "compensation_amount": None, "advance_compensation": None,
        "escalated_at": None, "satisfaction": None, "description": None,
        "updated_at": f"{stamped.isoformat()}T08:00:00",
    }
    folder = root / "landing" / "complaints" / next_day.isoformat()
    folder.mkdir(parents=True)
    (folder / "complaints_clock_error.jsonl").write_text(json.dumps(version) + "\n", encoding="utf-8")
    run_cli("run", env=env)

    with closing(open_published(Path(env["RW_WAREHOUSE"]))) as con:
        fact = con.execute("select status, dq_flags, updated_at from marts.fct_complaints where complaint_id = ?",
                           [complaint_id]).fetchone()
        flags = con.execute("select rows from marts.dq_row_flags where source = 'complaints' and delivery_date = ?"
                            " and flag = 'updated_at_after_delivery'", [next_day]).fetchall()
    assert status == "open"
    assert fact[0] == "resolved", "the version delivered on its day is the complaint's version"
    assert "updated_at_after_delivery" in fact[1].split(",")
    assert fact[2].date() == stamped
    assert flags == [(1,)]
