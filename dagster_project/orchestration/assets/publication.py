"""The published warehouse: replaced only after a complete, checked build (see dagster_project.warehouse.publish)."""


import time
from contextlib import closing
from datetime import UTC, datetime

import dagster as dg

from dagster_project.orchestration.assets.dbt import marts_keys
from dagster_project.orchestration.engine_steps import steps_for
from dagster_project.orchestration.resources import WarehouseResource, progress
from dagster_project.warehouse.work_db import connect_work_db


@dg.asset(key=["published", "warehouse"], deps=marts_keys(), group_name="published", kinds={"duckdb"},
          description="The DuckDB file named by RW_WAREHOUSE (schema marts) that dashboards, reports and "
                      "analysts read. Replaced atomically, only when every upstream step and blocking check passed.")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    started = time.monotonic()
    result = steps_for(settings.engine).publish(settings, context.run_id)
    seconds = time.monotonic() - started
    with closing(connect_work_db(settings.work_db)) as con:
        con.execute(
            "update meta.pipeline_runs set status = 'success', finished_at = ? where run_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), context.run_id],
        )
    progress(context, f"published {len(result.tables)} tables to {result.path} "
                      f"({len(result.copied)} written, {len(result.patched)} patched with their changed rows, "
                      f"{len(result.kept)} unchanged and kept) in {seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={
            "path": str(result.path),
            "tables": len(result.tables),
            "tables_written": len(result.copied),
            "tables_patched": len(result.patched),
            "tables_kept": len(result.kept),
            "rows": dg.MetadataValue.json(result.tables),
        }
    )
