"""The ingestion step alone, as a job of its own: what ``rightswatch run`` starts when nothing looks new.

A run of the whole warehouse job pays, before its first step, for loading dagster-dbt and the dbt
manifest (about 3 s) and for a "planned" event per asset and check of its plan (about 340, 3–4 s).
When the look-ahead (``quiet_landing``) sees nothing new, the command line loads these definitions
instead, which hold the ingestion asset and its resource only, and runs this job. Ingestion does
all it always does (scan, hashes, Great Expectations, reconciliation, the inputs' fingerprint) and
records "nothing new"; if it finds something after all, the command line then runs the whole job.
The job is also in ``dagster_project.definitions``, so its runs show in the Dagster UI.
"""

from __future__ import annotations

import dagster as dg

from dagster_project.orchestration.assets.ingestion import landing_ingestion
from dagster_project.orchestration.resources import WarehouseResource

LANDING_ONLY_JOB_NAME = "landing_only_job"

landing_only_job = dg.define_asset_job(
    LANDING_ONLY_JOB_NAME,
    selection=dg.AssetSelection.assets(landing_ingestion),
    description="Ingest and validate new deliveries only (what `rightswatch run` starts when nothing looks "
                "new; the warehouse job follows if ingestion finds something).",
    executor_def=dg.in_process_executor,
)


def landing_only_definitions() -> dg.Definitions:
    """The ingestion asset, its job and its resource, without dbt's."""
    return dg.Definitions(assets=[landing_ingestion], jobs=[landing_only_job],
                          resources={"warehouse": WarehouseResource()})
