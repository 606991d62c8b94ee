"""The Dagster events a dbt build records: one per model and per model test, one per tested source table.

Every event is a write to Dagster's event log, about 8 ms each here (a new-day run at 1 M logged 333
planned events in 2.7 s), and a build yields hundreds. dagster-dbt turns the result of a dbt test on a
*source* (``raw/<source>``, ``meta/<table>``: tables the ingestion assets own, so not checks of the dbt
step) into an observation per upstream table plus a warning that the test "was likely executed due to
dbt indirect selection", which is not so here: 135 observations and 122 such warnings in that run, a
warning every run that nobody should learn to ignore. Those results are tallied instead and recorded as one
observation per source table, listing each test with its status and failed rows. Tests on models stay
asset checks as dagster-dbt makes them; the singular tests that read several models name the model they
guard (``meta.dagster.ref`` in their config), so they are checks too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliEventMessage, DbtCliInvocation

DagsterDbtEvent = dg.Output | dg.AssetMaterialization | dg.AssetObservation | dg.AssetCheckResult | dg.AssetCheckEvaluation

SOURCE_TESTS_DESCRIPTION = "dbt tests on this source table, run by the dbt build (one entry per test)"


def is_source_test(manifest: Mapping[str, Any], unique_id: str) -> bool:
    """A dbt test all of whose parents are sources."""
    parents = manifest["parent_map"].get(unique_id) or []
    return unique_id.startswith("test.") and bool(parents) and all(p.startswith("source.") for p in parents)


class DbtBuildEvents:
    """Turns one dbt invocation's raw events into Dagster events, tallying the source tests' results."""

    def __init__(self, invocation: DbtCliInvocation, context: dg.AssetExecutionContext | None) -> None:
        self._invocation = invocation
        self._context = context
        self._source_tests: dict[dg.AssetKey, list[dict[str, Any]]] = defaultdict(list)

    def of(self, event: DbtCliEventMessage) -> list[DagsterDbtEvent]:
        """The Dagster events for one dbt event: none for a source test's result (tallied), otherwise
        what dagster-dbt makes of it (an output per model built, a check result per model test)."""
        if self._take_source_test(event):
            return []
        return self._dagster_dbt_events(event, self._context)

    def _dagster_dbt_events(self, event: DbtCliEventMessage,
                            context: dg.AssetExecutionContext | None) -> list[DagsterDbtEvent]:
        inv = self._invocation
        return list(event.to_default_asset_events(
            manifest=inv.manifest, dagster_dbt_translator=inv.dagster_dbt_translator, context=context,
            target_path=inv.target_path, project=inv.project))

    def _take_source_test(self, event: DbtCliEventMessage) -> bool:
        """Its status, severity and failed rows come from dagster-dbt's own reading of the event (the
        check evaluation it records outside an asset); a skipped test, which dagster-dbt records nowhere,
        is taken and not counted."""
        if not event.is_result_event:
            return False
        unique_id = event.raw_event["data"]["node_info"]["unique_id"]
        if not is_source_test(self._invocation.manifest, unique_id):
            return False
        for evaluation in self._dagster_dbt_events(event, context=None):
            if isinstance(evaluation, dg.AssetCheckEvaluation):
                rows = evaluation.metadata.get("dagster_dbt/failed_row_count")
                self._source_tests[evaluation.asset_key].append({
                    "test": evaluation.check_name,
                    "unique_id": unique_id,
                    "passed": evaluation.passed,
                    "severity": evaluation.severity.value,
                    "failed_rows": getattr(rows, "value", rows),
                })
        return True

    def source_test_observations(self) -> Iterator[dg.AssetObservation]:
        """One observation per tested source table: how many tests ran, how many failed, each result."""
        for key in sorted(self._source_tests, key=lambda k: k.path):
            tests = self._source_tests[key]
            failed = [t["test"] for t in tests if not t["passed"]]
            yield dg.AssetObservation(
                asset_key=key,
                description=SOURCE_TESTS_DESCRIPTION,
                metadata={
                    "dbt_tests": len(tests),
                    "dbt_tests_failed": len(failed),
                    "failed_tests": ", ".join(failed) or "none",
                    "dbt_test_results": dg.MetadataValue.json(tests),
                },
            )
