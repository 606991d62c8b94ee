-- meta.delivery_blocks as written by the last run (one row per source, delivery and failed blocking check).
with

source as (

    select * from {{ source('pipeline_meta', 'delivery_blocks') }}

),

renamed as (

    select
        source,
        delivery_date,
        check_name,
        failed_at,
        failures,
        blocked,
        override_id,
        run_id

    from source

)

select * from renamed
