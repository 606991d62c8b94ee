-- Refund / return requests: the latest version of each request as of the cut-off.
with

latest as (

    select * from {{ ref('int_refunds__latest') }}

)

select
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
    requested_month,
    refund_days,
    dq_flags,
    is_known_merchant,
    is_known_order
from latest
