-- meta.delivery_overrides as copied from the state store at the start of every run (one row per override).
with

source as (

    select * from {{ source('pipeline_meta', 'delivery_overrides') }}

),

renamed as (

    select
        override_id,
        source,
        delivery_date,
        overridden_by,
        reason,
        overridden_at

    from source

)

select * from renamed
