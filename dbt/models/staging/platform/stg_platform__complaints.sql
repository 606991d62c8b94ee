-- Every delivered complaint version, as loaded (description kept exactly as delivered).
with

source as (

    select * from {{ source('platform', 'complaints') }}

),

renamed as (

    select
        -- contract columns
        complaint_id,
        order_id,
        merchant_id,
        consumer_key,
        channel,
        right_category,
        issue_code,
        received_at,
        first_response_at,
        verified_at,
        resolved_at,
        status,
        outcome,
        substantiated,
        compensation_amount,
        advance_compensation,
        escalated_at,
        satisfaction,
        description,
        updated_at,

        -- delivery metadata
        {{ rw_delivery_metadata() }}

    from source

)

select * from renamed
