"""What a dbt build records in Dagster: every dbt test once, as a check of the model it guards, or in
one observation per source table; and none of dagster-dbt's "likely executed due to dbt indirect
selection" warnings (dagster_project/orchestration/dbt_events.py)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from dagster_dbt import DagsterDbtTranslator, DbtCliEventMessage

from dagster_project.orchestration.assets.dbt import RightsWatchTranslator
from dagster_project.orchestration.dbt_events import SOURCE_TESTS_DESCRIPTION, DbtBuildEvents, is_source_test
from dagster_project.orchestration.dbt_project import rightswatch_dbt


def _manifest() -> dict:
    return json.loads(rightswatch_dbt().manifest_path.read_text(encoding="utf-8"))


def _first_run_records(build) -> tuple[str, list[dg.EventLogRecord]]:
    """The records of the sample's own build (the oldest run of its instance)."""
    with dg.DagsterInstance.from_config(build.env["DAGSTER_HOME"]) as instance:
        run = instance.get_runs()[-1]
        return run.run_id, list(instance.get_records_for_run(run.run_id, limit=100_000).records)


def _executed_tests(build, run_id: str) -> set[str]:
    """Unique ids of the dbt tests the build's dbt invocation ran (run_results.json of its target)."""
    [target] = [p for p in (build.warehouse.parent / "dbt_target").iterdir() if p.name.endswith(run_id[:8])]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"] for r in results if r["unique_id"].startswith("test.") and r["status"] != "skipped"}


def test_every_dbt_test_of_a_build_is_recorded_once_and_no_indirect_selection_warning(sample_build):
    run_id, records = _first_run_records(sample_build)
    manifest = _manifest()
    checks: dict[str, dg.AssetCheckKey] = {}
    tallied: dict[str, dg.AssetKey] = {}
    for record in records:
        entry = record.event_log_entry
        assert "Logging an `AssetObservation`" not in (entry.user_message or ""), entry.user_message
        assert not (entry.user_message or "").startswith("dbt: built"), "a model built is its materialization"
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            unique_id = evaluation.metadata.get("unique_id")
            if unique_id is not None:  # a dbt test (GX and reconciliation checks carry none)
                assert unique_id.text not in checks
                checks[unique_id.text] = evaluation.asset_check_key
        elif event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
            observation = event.asset_observation_data.asset_observation
            assert observation.description == SOURCE_TESTS_DESCRIPTION  # no other observation from dbt
            results = observation.metadata["dbt_test_results"].data
            assert observation.metadata["dbt_tests"].value == len(results)
            for result in results:
                assert result["unique_id"] not in tallied
                tallied[result["unique_id"]] = observation.asset_key
                assert result["passed"] is True and result["failed_rows"] == 0, result

    executed = _executed_tests(sample_build, run_id)
    assert len(executed) > 300
    assert set(checks) | set(tallied) == executed
    assert not set(checks) & set(tallied)
    assert set(tallied) == {t for t in executed if is_source_test(manifest, t)}
    assert {key.path[0] for key in tallied.values()} == {"raw", "meta"}
    assert dg.AssetKey(["raw", "orders"]) in tallied.values()

    # the singular tests that read several models are checks of the model their config names
    named = {uid: node["config"]["meta"]["dagster"]["ref"]["name"] for uid, node in manifest["nodes"].items()
             if uid.startswith("test.") and (node["config"].get("meta") or {}).get("dagster")}
    assert len(named) == 8
    for unique_id, model in named.items():
        assert checks[unique_id].asset_key.path[-1] == model, unique_id
    assert checks["test.rightswatch.assert_pseudonyms_are_digests"] == dg.AssetCheckKey(
        dg.AssetKey(["marts", "fct_order_lines"]), "assert_pseudonyms_are_digests")
    assert "dbt: built" in sample_build.run_output  # on the terminal, where progress belongs


class _Invocation:
    """The parts of a DbtCliInvocation that DbtBuildEvents reads."""

    def __init__(self, manifest: dict) -> None:
        self.manifest = manifest
        self.dagster_dbt_translator: DagsterDbtTranslator = RightsWatchTranslator()
        self.project = rightswatch_dbt()
        self.target_path: Path | None = None


def _test_result(unique_id: str, status: str, failures: int) -> DbtCliEventMessage:
    """A dbt LogTestResult line as `dbt build --log-format json` prints it (the fields dagster-dbt reads)."""
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    return DbtCoreCliEventMessage(raw_event={
        "info": {"name": "LogTestResult", "invocation_id": "test-invocation", "level": "info", "msg": ""},
        "data": {"node_info": {"unique_id": unique_id, "node_status": status, "resource_type": "test",
                               "node_started_at": "2026-12-01T00:00:00.000000",
                               "node_finished_at": "2026-12-01T00:00:00.250000"},
                 "status": status, "num_failures": failures},
    }, event_history_metadata={})


@pytest.mark.parametrize(("status", "passed", "severity"), [("pass", True, "ERROR"), ("fail", False, "ERROR"),
                                                             ("warn", False, "WARN")])
def test_a_source_test_result_is_tallied_with_its_status_and_failed_rows(status, passed, severity):
    manifest = _manifest()
    unique_id = next(uid for uid, node in manifest["nodes"].items()
                     if uid.startswith("test.") and is_source_test(manifest, uid)
                     and node.get("test_metadata", {}).get("name") == "not_null"
                     and manifest["parent_map"][uid] == ["source.rightswatch.platform.orders"])
    events = DbtBuildEvents(_Invocation(manifest), context=None)
    failures = 0 if passed else 3

    assert events.of(_test_result(unique_id, status, failures)) == []  # no event of its own

    [observation] = list(events.source_test_observations())
    assert observation.asset_key == dg.AssetKey(["raw", "orders"])
    assert observation.metadata["dbt_tests"].value == 1
    assert observation.metadata["dbt_tests_failed"].value == (0 if passed else 1)
    [result] = observation.metadata["dbt_test_results"].data
    assert result == {"test": manifest["nodes"][unique_id]["name"], "unique_id": unique_id, "passed": passed,
                      "severity": severity, "failed_rows": failures}


def test_a_model_test_result_is_left_to_dagster_dbt():
    manifest = _manifest()
    unique_id = next(uid for uid in manifest["nodes"]
                     if uid.startswith("test.") and manifest["parent_map"][uid] == ["model.rightswatch.dim_merchants"])
    events = DbtBuildEvents(_Invocation(manifest), context=None)

    [evaluation] = events.of(_test_result(unique_id, "fail", 2))  # outside an asset: a check evaluation

    assert isinstance(evaluation, dg.AssetCheckEvaluation)
    assert evaluation.asset_key == dg.AssetKey(["marts", "dim_merchants"]) and not evaluation.passed
    assert list(events.source_test_observations()) == []
