-- meta.file_registry as written by the pipeline (one row per source row; columns as in docs/architecture.md).
with

source as (

    select * from {{ source('pipeline_meta', 'file_registry') }}

),

renamed as (

    select
        source,
        delivery_date,
        file_name,
        file_sha256,
        file_bytes,
        file_format,
        encoding,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        extra_columns,
        message,
        loaded_at,
        run_id

    from source

)

select * from renamed
