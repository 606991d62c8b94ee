"""The enforcement list judged against the generator's planted truth (violation-scoring.md, "How it is
judged"): every planted serious violator is tier >= 2, no honest merchant is tier >= 2, and each planted
pattern lands on the tier the spec implies — on the default sample and on a second seed.

The truth (`<landing>/_truth/merchant_patterns.csv`) names the planted merchants; every other merchant
is a background merchant that the generator makes clean by design, so it is expected at tier 0.
"""

from __future__ import annotations

from contextlib import closing

import pandas as pd
import pytest

from dagster_project.warehouse.publish import open_published

pytestmark = pytest.mark.slow

BUILDS = ["sample_build", "sample_build_seed2"]


def _judged(build) -> tuple[pd.DataFrame, object]:
    """Truth beside the latest published list: merchant_id, pattern, expected, got (+ points)."""
    truth = pd.read_csv(build.landing / "_truth" / "merchant_patterns.csv",
                        dtype={"merchant_id": str, "pattern": str, "expected_tier": int})
    with closing(open_published(build.warehouse)) as con:
        as_of = con.execute("select max(as_of_date) from marts.rpt_merchant_enforcement").fetchone()[0]
        listed = con.execute(
            "select merchant_id, tier, general_points, serious_points, rate_scored, top_reasons_en"
            " from marts.rpt_merchant_enforcement where as_of_date = ?", [as_of]
        ).df()
    table = truth.merge(listed, on="merchant_id", how="outer")
    table["pattern"] = table["pattern"].fillna("(background)")
    table["expected"] = table["expected_tier"].fillna(0).astype(int)
    table["got"] = table["tier"].astype("Int64")
    return table.drop(columns=["expected_tier", "tier"]).sort_values("merchant_id"), as_of


def _show(table: pd.DataFrame) -> str:
    cols = ["merchant_id", "pattern", "expected", "got", "general_points", "serious_points", "rate_scored",
            "top_reasons_en"]
    with pd.option_context("display.width", 250, "display.max_colwidth", 90, "display.max_rows", 500):
        return table[cols].to_string(index=False)


@pytest.mark.parametrize("build_name", BUILDS)
def test_latest_list_is_as_of_the_last_delivery_day(build_name, request):
    build = request.getfixturevalue(build_name)
    _, as_of = _judged(build)
    with closing(open_published(build.warehouse)) as con:
        last_delivery = con.execute(
            "select max(delivery_date) from marts.dq_file_reconciliation where status = 'loaded'").fetchone()[0]
    assert as_of == last_delivery


@pytest.mark.parametrize("build_name", BUILDS)
def test_tier2_precision_and_recall_are_one(build_name, request):
    table, as_of = _judged(request.getfixturevalue(build_name))
    planted = table[table["pattern"] != "(background)"]
    # the judgement is not vacuous: serious violators and honest look-alikes are both planted
    assert (planted["expected"] >= 2).sum() >= 5 and (planted["expected"] < 2).sum() >= 5, _show(table)
    assert table["got"].notna().all(), "merchants missing from the list:\n" + _show(table[table["got"].isna()])
    expected = table["expected"] >= 2
    got = table["got"].astype(int) >= 2
    true_pos = int((expected & got).sum())
    precision = true_pos / int(got.sum()) if got.any() else 0.0
    recall = true_pos / int(expected.sum())
    print(f"{build_name} as of {as_of}: tier>=2 precision {precision:.3f}, recall {recall:.3f}")
    wrong = table[expected != got]
    assert (precision, recall) == (1.0, 1.0), (
        f"tier>=2 precision {precision:.3f}, recall {recall:.3f} as of {as_of}\n{_show(wrong)}")


@pytest.mark.parametrize("build_name", BUILDS)
def test_each_planted_pattern_lands_on_its_expected_tier(build_name, request):
    table, as_of = _judged(request.getfixturevalue(build_name))
    wrong = table[table["got"].isna() | (table["got"].astype("Int64") != table["expected"])]
    if len(wrong):
        print(_show(table))
    assert wrong.empty, f"{len(wrong)} merchant(s) off their expected tier as of {as_of}:\n{_show(wrong)}"


@pytest.mark.parametrize("build_name", BUILDS)
def test_low_volume_merchant_is_marked_not_rate_scored(build_name, request):
    table, _ = _judged(request.getfixturevalue(build_name))
    low = table[table["pattern"] == "honest_new_low_volume"]
    if low.empty:
        pytest.skip("no honest_new_low_volume merchant in this sample")
    assert not low["rate_scored"].any(), _show(low)
    assert table[table["pattern"] == "honest_large"]["rate_scored"].all(), _show(table)
