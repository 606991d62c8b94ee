-- meta.pipeline_runs as written by the pipeline (one row per source row; columns as in docs/architecture.md).
with

source as (

    select * from {{ source('pipeline_meta', 'pipeline_runs') }}

),

renamed as (

    select
        run_id,
        started_at,
        finished_at,
        status,
        latest_delivery_date,
        message

    from source

)

select * from renamed
