-- meta.quarantine as written by the pipeline (one row per source row; columns as in docs/architecture.md).
with

source as (

    select * from {{ source('pipeline_meta', 'quarantine') }}

),

renamed as (

    select
        source,
        delivery_date,
        file_name,
        file_sha256,
        line,
        rule,
        column_name,
        message,
        raw_values,
        quarantined_at,
        run_id

    from source

)

select * from renamed
