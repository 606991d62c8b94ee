-- Order lines: the latest version of each (order_id, line_no) as of the cut-off.
with

latest as (

    select * from {{ ref('int_orders__latest') }}

)

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
    dq_flags,
    is_known_merchant
from latest
