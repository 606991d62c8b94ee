"""The scoring rules' dbt unit tests (dbt/models/intermediate/scoring/_scoring__unit_tests.yml): ladder
boundaries, serious > 0, low volume 29/30, the fake-price monthly cap, 365/366-day ageing, refunds at
7/8 and 15/16 days, nrr eligibility, decisions carried while the tier is unchanged; spec 1.1: windows
ending on every day up to the list date judged with what the list knows, rate breaches persisting 365
days and scoring again after 90, reversed findings (complaints, refunds, licences, fake prices) kept on
past lists.

The pipeline leaves dbt unit tests to the test suite; they run here on a copy of the sample's work
database (dbt reads the input columns' types from the built relations). A second run with other
configuration must make them fail: they pin the configured limits, not whatever the SQL does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))
SELECT = ["test_type:unit,path:models/intermediate/scoring", "test_type:unit,path:models/marts/enforcement"]
EXPECTED_TESTS = {
    "tier_ladders_at_every_boundary", "points_age_out_after_365_days", "low_volume_merchants_are_not_rate_scored",
    "fake_price_points_capped_per_merchant_month", "late_refunds_at_7_and_15_days",
    "nrr_refusal_only_of_eligible_requests", "tier_runs_and_decisions_carried_while_tier_unchanged",
    "rate_breaches_persist_and_score_again_after_90_days", "reversed_complaint_findings_stay_on_past_lists",
    "overturned_refund_refusal_stays_on_past_lists", "rate_windows_end_on_every_day_judged_with_what_the_list_knows",
    "rate_breach_counts_for_365_days_from_its_window_end", "corrected_fake_price_stays_on_past_lists",
    "reversed_licence_findings_stay_on_past_lists", "past_lists_count_each_line_as_the_version_known_that_day",
    "an_incremental_run_builds_only_the_lists_it_does_not_hold",
    "order_facts_keep_each_line_version_for_the_days_it_was_known",
    "order_facts_recompute_only_orders_with_new_or_stale_versions",
}
# pinned by no configured limit: they check which versions a list sees, not a number
LIMIT_FREE_TESTS = {"tier_runs_and_decisions_carried_while_tier_unchanged", "reversed_complaint_findings_stay_on_past_lists",
                    "reversed_licence_findings_stay_on_past_lists",
                    "order_facts_keep_each_line_version_for_the_days_it_was_known",
                    "order_facts_recompute_only_orders_with_new_or_stale_versions"}


@pytest.fixture(scope="module")
def work_copy(sample_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("scoring_units")
    shutil.copyfile(sample_build.work_db, root / "rightswatch.work.duckdb")
    return root, {**sample_build.env, "RW_WAREHOUSE": str(root / "rightswatch.duckdb")}


def _dbt_unit_tests(root: Path, env: dict[str, str], vars: dict | None = None) -> tuple[int, dict[str, str]]:
    args = [DBT, "test", "--profiles-dir", ".", "--target-path", str(root / "target"),
            "--log-path", str(root / "logs"), "--select", *SELECT]
    if vars:
        args += ["--vars", json.dumps(vars)]
    proc = subprocess.run(args, cwd=PROJECT_ROOT / "dbt", env=env, capture_output=True, text=True, timeout=900)
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    results = dict((name, status) for status, name in
                   re.findall(r"\d+ of \d+ (PASS|FAIL \d+|ERROR)\s+\w+::(\w+)", text))
    return proc.returncode, results | {"_log": text[-4000:]}


def test_scoring_unit_tests_pass(work_copy):
    code, results = _dbt_unit_tests(*work_copy)
    log = results.pop("_log")
    assert set(results) == EXPECTED_TESTS, log
    assert code == 0 and set(results.values()) == {"PASS"}, log


def test_scoring_unit_tests_fail_when_the_limits_move(work_copy):
    """Each limit moved by one step breaks the unit test that pins it."""
    moved = {
        "rw_score_fake_price_monthly_cap": 14,
        "rw_score_general_ladder": [12, 24, 37],
        "rw_score_serious_ladder": [0, 12, 24, 49],
        "rw_score_points_window_days": 366,
        "rw_score_min_orders": 29,
        "rw_refund_days": 8,
        "rw_nrr_days": 8,
        "rw_score_rate_window_days": 91,
    }
    code, results = _dbt_unit_tests(*work_copy, vars=moved)
    log = results.pop("_log")
    assert code != 0
    failed = {name for name, status in results.items() if status != "PASS"}
    assert failed >= EXPECTED_TESTS - LIMIT_FREE_TESTS, log
