-- Refund versions known at the cut-off, with derived figures and the reference soft rules
-- `unknown_merchant` and `unknown_order`.
with

versions as (

    select * from {{ ref('stg_platform__refunds') }}
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
        known_orders.order_id is not null as is_known_order
    from versions
    left join known_merchants
        on versions.merchant_id = known_merchants.merchant_id
    left join known_orders
        on versions.order_id = known_orders.order_id

),

final as (

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
        {{ rw_month_start('requested_at') }} as requested_month,
        {{ rw_days_between('return_received_at', 'refunded_at') }} as refund_days,
        {{ rw_csv_append(
            rw_csv_append('dq_flags', "case when not is_known_merchant then 'unknown_merchant' end"),
            "case when not is_known_order then 'unknown_order' end"
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
