-- Pipeline runs as recorded by Dagster.
select
    run_id,
    started_at,
    finished_at,
    status,
    latest_delivery_date,
    message
from {{ ref('stg_pipeline_meta__pipeline_runs') }}
