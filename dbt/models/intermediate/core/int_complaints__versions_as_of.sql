-- Complaint versions known at the cut-off, with derived durations and the reference soft rules
-- `unknown_merchant` and `unknown_order` (an order_id not delivered in any order version as of the
-- cut-off; a complaint without order_id references no order and is not flagged).
with

versions as (

    select * from {{ ref('stg_platform__complaints') }}
    where {{ rw_as_of('updated_at', 'delivery_date') }}

),

known_merchants as (

    {{ rw_first_delivered(ref('int_merchants__versions_as_of'), ['merchant_id']) }}

),

known_orders as (

    {{ rw_keys_among(ref('int_orders__versions_as_of'), 'order_id', 'versions') }}

),

checked as (

    select
        versions.*,
        known_merchants.merchant_id is not null as is_known_merchant,
        case
            when versions.order_id is null then null
            else known_orders.order_id is not null
        end as is_known_order
    from versions
    left join known_merchants
        on versions.merchant_id = known_merchants.merchant_id
    left join known_orders
        on versions.order_id = known_orders.order_id

),

final as (

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
        {{ rw_month_start('received_at') }} as received_month,
        {{ rw_hours_between('received_at', 'first_response_at') }} as first_response_hours,
        {{ rw_hours_between('received_at', 'resolved_at') }} as resolution_hours,
        {{ rw_csv_append(
            rw_csv_append('dq_flags', "case when not is_known_merchant then 'unknown_merchant' end"),
            "case when is_known_order = false then 'unknown_order' end"
        ) }} as dq_flags,
        is_known_merchant,
        is_known_order,
        delivery_date,
        file_name,
        file_sha256,
        file_line,
        extra_columns,
        loaded_at
    from checked

)

select * from final
