-- Every delivered refund / return request version, as loaded.
with

source as (

    select * from {{ source('platform', 'refunds') }}

),

renamed as (

    select
        -- contract columns
        refund_id,
        order_id,
        line_no,
        merchant_id,
        reason,
        requested_at,
        decided_at,
        decision,
        return_received_at,
        refunded_at,
        amount,
        updated_at,

        -- delivery metadata
        {{ rw_delivery_metadata() }}

    from source

)

select * from renamed
