-- meta.gx_results as written by the pipeline (one row per source row; columns as in docs/architecture.md).
with

source as (

    select * from {{ source('pipeline_meta', 'gx_results') }}

),

renamed as (

    select
        run_id,
        source,
        delivery_date,
        suite,
        expectation,
        column_name,
        severity,
        success,
        element_count,
        unexpected_count,
        details,
        validated_at

    from source

)

select * from renamed
