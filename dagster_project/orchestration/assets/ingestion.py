"""Landing → work database: one asset per source, with Great Expectations results as asset checks.

The four sources are ingested by one multi-asset so that a single process writes the work DuckDB
(DuckDB allows one writer), in the order references need: merchants, orders, complaints, refunds.
"""


from contextlib import closing
from datetime import UTC, datetime

import dagster as dg

from dagster_project.contract import SOURCES
from dagster_project.ingest import ingest_source, load_or_create_key, scan_landing
from dagster_project.orchestration import build_inputs
from dagster_project.orchestration.dbt_args import full_refresh_requested
from dagster_project.orchestration.resources import WarehouseResource, progress
from dagster_project.privacy.erasure import compact_duckdb_file, erase_completed_deletions, sync_work_list
from dagster_project.state import connect_state
from dagster_project.state.overrides import export_overrides
from dagster_project.validation.background import BackgroundValidation
from dagster_project.validation.blocking import (
    GX_CONTRACT_CHECK,
    RECONCILED_CHECK,
    copy_overrides,
    delivery_blocks,
    record_blocks,
)
from dagster_project.validation.suites import load_suite
from dagster_project.warehouse.work_db import connect_work_db

META_ASSETS = ("file_registry", "quarantine", "landing_issues", "gx_results", "pipeline_runs",
               "delivery_overrides", "delivery_blocks")  # written here

GX_DISTRIBUTION_CHECK = "gx_distribution_checks"


def raw_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


def _specs() -> list[dg.AssetSpec]:
    specs = [
        dg.AssetSpec(
            raw_key(source),
            group_name="landing",
            description=f"Every loaded version of every {source} record (personal data pseudonymised).",
            kinds={"duckdb", "python"},
            # not materialised when nothing is new: dbt and publication downstream are then skipped
            skippable=True,
        )
        for source in SOURCES
    ]
    specs += [
        dg.AssetSpec(["meta", name], group_name="landing", kinds={"duckdb"}, skippable=True,
                     description=f"Pipeline metadata: {name.replace('_', ' ')}.")
        for name in META_ASSETS
    ]
    return specs


def _check_specs() -> list[dg.AssetCheckSpec]:
    checks: list[dg.AssetCheckSpec] = []
    for source in SOURCES:
        checks += [
            dg.AssetCheckSpec(GX_CONTRACT_CHECK, asset=raw_key(source), blocking=True,
                              description="Great Expectations suite derived from the landing contract "
                                          "(error severity: a failure blocks publication on this and every "
                                          "later run until the files change or an override is recorded)."),
            dg.AssetCheckSpec(GX_DISTRIBUTION_CHECK, asset=raw_key(source),
                              description="Great Expectations distribution checks (warnings)."),
            dg.AssetCheckSpec(RECONCILED_CHECK, asset=raw_key(source), blocking=True,
                              description="Every file: rows read = rows loaded + rows quarantined (a failed delivery "
                                          "stays blocked until its files change or an override is recorded)."),
        ]
    return checks


def _latest_delivery(con) -> object:
    return con.execute(
        "select max(delivery_date) from meta.file_registry where status = 'loaded'"
    ).fetchone()[0]


@dg.multi_asset(specs=_specs(), check_specs=_check_specs(), name="landing_ingestion",
                description="Reads new and corrected deliveries under RW_LANDING into the work database.")
def landing_ingestion(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    if not settings.landing.is_dir():
        raise dg.Failure(
            f"landing root {settings.landing} does not exist. Generate sample data with "
            "`rightswatch generate --out <dir>` or point RW_LANDING / --landing at your deliveries."
        )
    key = load_or_create_key(settings)
    run_id = context.run_id
    with closing(connect_work_db(settings.work_db)) as con:
        con.execute(
            "insert into meta.pipeline_runs values (?, ?, null, 'running', null, null)",
            [run_id, datetime.now(UTC).replace(tzinfo=None)],
        )
        with closing(connect_state(settings.state_db)) as state:
            copy_overrides(con, export_overrides(state))
        for path, issue in scan_landing(con, settings.landing, run_id):
            progress(context, f"landing issue, not loaded: {path}: {issue}")
        sync_work_list(con, settings.state_db)  # erased persons stay erased, even in a rebuilt work file
        materialisations, checks = [], []
        with BackgroundValidation(con, run_id) as validation:
            for source in SOURCES:
                result = ingest_source(con, source=source, landing_root=settings.landing, key=key,
                                       run_id=run_id, progress=lambda m: progress(context, m),
                                       delivery_done=lambda day, s=source: validation.delivery_loaded(s, day))
                validation.source_loaded(source)
                progress(context, f"{source}: {len(result.files)} new file(s), {result.skipped_unchanged} unchanged; "
                                  f"{result.rows_read:,} read, {result.rows_loaded:,} loaded, "
                                  f"{result.rows_quarantined:,} quarantined, {result.files_rejected} file(s) rejected, "
                                  f"{result.files_repeated} repeat(s) of earlier files, "
                                  f"{result.rows_quarantined_across_files:,} row(s) quarantined across the files of a delivery")
                materialisations.append(dg.MaterializeResult(
                    asset_key=raw_key(source),
                    metadata={
                        "files_new": len(result.files),
                        "files_unchanged": result.skipped_unchanged,
                        "files_rejected": result.files_rejected,
                        "files_repeated": result.files_repeated,
                        "rows_quarantined_across_files": result.rows_quarantined_across_files,
                        "rows_read": result.rows_read,
                        "rows_loaded": result.rows_loaded,
                        "rows_quarantined": result.rows_quarantined,
                    },
                ))
            for source in SOURCES:  # GX ran beside the loading (validation.background); its verdicts, in order
                outcomes, seconds = validation.outcomes(source)
                checked = _blocks(context, con, source, run_id, outcomes, seconds)
                checks += list(_gx_checks(context, source, checked))
                checks.append(_reconciliation_check(con, source, checked))
        latest = _latest_delivery(con)
        con.execute("update meta.pipeline_runs set latest_delivery_date = ? where run_id = ?", [latest, run_id])
        erased = erase_completed_deletions(con, key, settings.state_db)
        inputs = build_inputs.fingerprint(con, settings)
        build_inputs.record(con, run_id, inputs)
        # an erasure rewrote stored values, or a full refresh was asked for: rebuild even if no file is new
        rebuild = erased.links_erased or full_refresh_requested(context.run.tags)
        unchanged = None if rebuild else build_inputs.unchanged_since(con, settings, inputs)
        if unchanged is not None:
            message = build_inputs.nothing_new_message(unchanged)
            con.execute("update meta.pipeline_runs set status = 'nothing_new', finished_at = ?, message = ? "
                        "where run_id = ?", [datetime.now(UTC).replace(tzinfo=None), message, run_id])
            progress(context, message)
    if erased.links_erased:
        compact_duckdb_file(settings.work_db)  # the erased values must not linger in free blocks
        progress(context, f"privacy: completed deletion requests erased {erased.links_erased} link(s) to persons "
                          f"({erased.values_changed} stored values rewritten)")
    # With nothing new the raw assets are not materialised, so Dagster skips dbt and publication;
    # the checks still report (they passed on what is there).
    if unchanged is None:
        yield from materialisations
    yield from checks
    for name in META_ASSETS:
        yield dg.MaterializeResult(asset_key=["meta", name])


def _blocks(context, con, source: str, run_id: str, outcomes, seconds: float) -> dict:
    """This run's validation figures plus every delivery still blocking (validation.blocking)."""
    evaluated = sum(o.evaluated for o in outcomes)
    failed_errors = sum(o.failed_errors for o in outcomes)
    failed_warnings = sum(o.failed_warnings for o in outcomes)
    progress(context, f"{source}: Great Expectations on {len(outcomes)} delivery(ies): {evaluated} expectations, "
                      f"{failed_errors} failed (error), {failed_warnings} failed (warning), in {seconds:.1f} s")
    blocks = delivery_blocks(con, source, load_suite(source)["name"])
    record_blocks(con, source, blocks, run_id)
    for block in blocks:
        progress(context, f"delivery {block.describe()}")
    return {"outcomes": outcomes, "blocks": blocks, "evaluated": evaluated, "failed_warnings": failed_warnings}


def _gx_checks(context, source: str, checked: dict):
    outcomes = checked["outcomes"]
    blocking = [b for b in checked["blocks"] if b.blocked and b.check_name == GX_CONTRACT_CHECK]
    failures = [
        f"{o.delivery_date} {r.expectation}({r.column or ''}): {r.unexpected_count} unexpected"
        for o in outcomes for r in o.results if not r.success
    ]
    deliveries = ", ".join(str(o.delivery_date) for o in outcomes) or "no new deliveries"
    yield dg.AssetCheckResult(
        asset_key=raw_key(source), check_name=GX_CONTRACT_CHECK, passed=not blocking,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"deliveries": deliveries, "expectations_evaluated": checked["evaluated"],
                  "blocked_deliveries": "\n".join(b.describe() for b in blocking) or "none",
                  "failures": "\n".join(failures[:50]) or "none"},
    )
    yield dg.AssetCheckResult(
        asset_key=raw_key(source), check_name=GX_DISTRIBUTION_CHECK, passed=checked["failed_warnings"] == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"deliveries": deliveries, "failed_warning_expectations": checked["failed_warnings"]},
    )


def _reconciliation_check(con, source: str, checked: dict) -> dg.AssetCheckResult:
    files, read, loaded, quarantined, unreconciled = con.execute(
        """
        select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
               coalesce(sum(rows_quarantined), 0),
               count(*) filter (where rows_read <> rows_loaded + rows_quarantined)
        from meta.file_registry where source = ? and status <> 'superseded'
        """,
        [source],
    ).fetchone()
    return dg.AssetCheckResult(
        asset_key=raw_key(source), check_name=RECONCILED_CHECK,
        passed=not any(b.blocked and b.check_name == RECONCILED_CHECK for b in checked["blocks"]),
        metadata={"files": files, "rows_read": read, "rows_loaded": loaded,
                  "rows_quarantined": quarantined, "files_not_reconciled": unreconciled},
    )
