-- meta.management_decisions as copied from the state store before the build (one row per decision).
with

source as (

    select * from {{ source('pipeline_meta', 'management_decisions') }}

),

renamed as (

    select
        decision_id,
        merchant_id,
        as_of_date,
        computed_tier,
        decision,
        decided_tier,
        reason,
        decided_by,
        decided_at

    from source

)

select * from renamed
