"""Management decisions: copied from the durable state store into the work database before dbt runs.

The enforcement mart reads the copy to show decisions beside the computed tier; the original in the
state store is never touched by a build, so a rebuild cannot lose a decision.
"""


from contextlib import closing

import dagster as dg

from dagster_project.orchestration.resources import WarehouseResource, progress
from dagster_project.state import connect_state
from dagster_project.state.decisions import COLUMNS, export_decisions
from dagster_project.warehouse.work_db import connect_work_db


@dg.asset(key=["meta", "management_decisions"], group_name="landing", kinds={"duckdb", "sqlite"},
          description="Snapshot of management's decisions (confirm / downgrade / dismiss) from the state store.")
def management_decisions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with closing(connect_state(settings.state_db)) as state:
        frame = export_decisions(state)
    with closing(connect_work_db(settings.work_db)) as con:
        con.execute("begin")
        con.execute("delete from meta.management_decisions")
        if len(frame):
            con.register("decisions_frame", frame)
            con.execute(f"insert into meta.management_decisions select {', '.join(COLUMNS)} from decisions_frame")
        con.execute("commit")
    progress(context, f"management decisions: {len(frame)} copied from the state store")
    return dg.MaterializeResult(metadata={"decisions": len(frame)})
