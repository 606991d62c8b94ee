-- Complaints: the latest version of each complaint as of the cut-off (description exactly as delivered).
with

latest as (

    select * from {{ ref('int_complaints__latest') }}

)

select
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
    received_month,
    first_response_hours,
    resolution_hours,
    dq_flags,
    is_known_merchant,
    is_known_order,
    version_count
from latest
