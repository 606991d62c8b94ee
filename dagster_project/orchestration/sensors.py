"""Sensors: start a build when new files land; record failed builds in the pipeline log."""

from __future__ import annotations

import hashlib
import os
from contextlib import closing
from datetime import UTC, datetime

import dagster as dg

from dagster_project.contract import SOURCES
from dagster_project.orchestration.jobs import warehouse_job
from dagster_project.orchestration.landing_only import landing_only_job
from dagster_project.orchestration.run_lock import WarehouseBusy, warehouse_lock
from dagster_project.settings import get_settings
from dagster_project.warehouse.work_db import connect_work_db


def landing_fingerprint() -> str:
    """Names, sizes and modification times of every delivery file: changes when anything lands."""
    landing = get_settings().landing
    digest = hashlib.sha256()
    for source in SOURCES:
        root = landing / source
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            try:  # lstat: never follows a link or opens anything (a FIFO would block the sensor)
                stat = path.lstat()
            except OSError:
                continue
            # a name that is not UTF-8 hashes as its bytes instead of failing the sensor
            digest.update(os.fsencode(path.relative_to(landing)) + f"|{stat.st_mode}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(job=warehouse_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts the warehouse build when files under RW_LANDING change.")
def new_delivery_sensor(context: dg.SensorEvaluationContext):
    fingerprint = landing_fingerprint()
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed delivery files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)


def mark_run_failed(run_id: str, message: str) -> None:
    """Record a failed build in meta.pipeline_runs, so the data-quality page shows it after the next publish."""
    settings = get_settings()
    if not settings.work_db.exists():
        return
    with closing(connect_work_db(settings.work_db)) as con:
        con.execute(
            "update meta.pipeline_runs set status = 'failed', finished_at = ?, message = ? "
            "where run_id = ? and status = 'running'",
            [datetime.now(UTC).replace(tzinfo=None), message[:2000], run_id],
        )


@dg.run_failure_sensor(monitored_jobs=[warehouse_job, landing_only_job], default_status=dg.DefaultSensorStatus.RUNNING)
def warehouse_failure_sensor(context: dg.RunFailureSensorContext):
    """Marks the failed run in the work file, under the warehouse lock: a run refused because another holds
    the warehouse fails too, and opening DuckDB beside the holder would end in DuckDB's lock error. While
    another run holds it, the sensor skips (a refused run has no row to mark; it is in the audit log)."""
    run_id = context.dagster_run.run_id
    try:
        with warehouse_lock(get_settings().work_db):
            mark_run_failed(run_id, context.failure_event.message or "run failed")
    except WarehouseBusy as busy:
        return dg.SkipReason(f"run {run_id} not marked failed here: {busy}")
    return None
