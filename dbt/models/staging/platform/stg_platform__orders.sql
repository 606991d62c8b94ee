-- Every delivered order-line version, as loaded, with the contract defaults applied (currency,
-- nrr_exempt: landing_contract.yml `default`, read from the rendered sources' column meta).
with

source as (

    select * from {{ source('platform', 'orders') }}

),

renamed as (

    select
        -- contract columns
        order_id,
        line_no,
        merchant_id,
        consumer_key,
        consumer_phone_key,
        sku_id,
        quantity,
        unit_price,
        list_price,
        {{ rw_with_contract_default('orders', 'currency') }},
        ordered_at,
        paid_at,
        promised_ship_by,
        shipped_at,
        delivered_at,
        {{ rw_with_contract_default('orders', 'nrr_exempt') }},
        order_status,
        channel,
        ship_to_region,
        updated_at,

        -- delivery metadata
        {{ rw_delivery_metadata() }}

    from source

)

select * from renamed
