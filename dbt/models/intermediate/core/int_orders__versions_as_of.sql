-- Order-line versions known at the cut-off, with the reference soft rule: a line whose merchant_id
-- was not delivered in any merchant version as of the cut-off is flagged `unknown_merchant`
-- (held as an orphan, never dropped; landing contract).
with

versions as (

    select * from {{ ref('int_orders__versions') }}
    where {{ rw_as_of('updated_at', 'delivery_date') }}

),

known_merchants as (

    {{ rw_first_delivered(ref('int_merchants__versions_as_of'), ['merchant_id']) }}

),

checked as (

    select
        versions.*,
        known_merchants.merchant_id is not null as is_known_merchant
    from versions
    left join known_merchants
        on versions.merchant_id = known_merchants.merchant_id

),

final as (

    select
        order_id,
        line_no,
        merchant_id,
        consumer_key,
        consumer_phone_key,
        sku_id,
        quantity,
        unit_price,
        list_price,
        currency,
        ordered_at,
        paid_at,
        promised_ship_by,
        shipped_at,
        delivered_at,
        nrr_exempt,
        order_status,
        channel,
        ship_to_region,
        updated_at,
        line_amount,
        ordered_date_local,
        order_month,
        promised_month,
        {{ rw_csv_append('dq_flags', "case when not is_known_merchant then 'unknown_merchant' end") }} as dq_flags,
        is_known_merchant,
        delivery_date,
        file_name,
        file_sha256,
        file_line,
        extra_columns,
        loaded_at
    from checked

)

select * from final
