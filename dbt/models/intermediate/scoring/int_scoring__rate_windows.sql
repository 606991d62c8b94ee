-- Rates per merchant over the rolling rw_score_rate_window_days (90) local days ending on each list
-- date (D-89 ... D), with the kpis.md definitions, as known at the end of day D:
--   order_defect_rate = distinct orders placed in the window with a substantiated complaint or an
--     approved refund with a reason in rw_defect_refund_reasons, established (verified / decided) by D
--     / distinct orders placed in the window;
--   late_shipment_rate = lines whose promised_ship_by falls in the window shipped after it or not
--     shipped by then / such lines, less cancelled lines (none is pending: every deadline in the
--     window has passed by the end of D, and a line shipped after D was unshipped at D);
--   complaints_per_1000_orders = complaints received in the window x 1000 / distinct orders placed in
--     the window; compared with rw_score_complaint_ratio_multiple x the median of that figure over the
--     rate-scored merchants of the same category (category of the version in force on D).
-- Only what was delivered by D counts (first delivery day of the record, or of the version that
-- substantiated / approved it), so the figures equal those of a build with cut-off D.
-- A merchant with fewer than rw_score_min_orders orders in the window is not rate-scored
-- (rate_scored false: too few to judge) and never breaches.
{{ config(materialized='table') }}
{%- set days = var('rw_score_rate_window_days') %}

with

list_dates as (

    select
        as_of_date,
        {{ rw_score_window_start('as_of_date', days) }} as window_start
    from {{ ref('int_scoring__list_dates') }}

),

line_known as (

    select order_id, line_no, min(delivery_date) as known_on
    from {{ ref('int_orders__versions_as_of') }}
    group by order_id, line_no

),

lines as (

    select lines.*, coalesce(line_known.known_on, lines.ordered_date_local) as known_on
    from {{ ref('fct_order_lines') }} as lines
    left join line_known using (order_id, line_no)

),

orders as (

    select merchant_id, order_id, min(ordered_date_local) as order_date, min(known_on) as known_on
    from lines
    group by merchant_id, order_id

),

complaint_known as (

    select
        complaint_id,
        min(delivery_date) as known_on,
        min(delivery_date) filter (where substantiated) as substantiated_known_on
    from {{ ref('int_complaints__versions_as_of') }}
    group by complaint_id

),

refund_approved_known as (

    select refund_id, min(delivery_date) as known_on
    from {{ ref('int_refunds__versions_as_of') }}
    where decision = 'approved'
    group by refund_id

),

complaint_defects as (

    select
        merchant_id,
        order_id,
        min(greatest(
            {{ rw_local_date('coalesce(verified_at, resolved_at, updated_at)') }},
            coalesce(complaint_known.substantiated_known_on, {{ rw_local_date('coalesce(verified_at, resolved_at, updated_at)') }})
        )) as defect_date
    from {{ ref('fct_complaints') }}
    left join complaint_known using (complaint_id)
    where substantiated and order_id is not null
    group by merchant_id, order_id

),

refund_defects as (

    select
        merchant_id,
        order_id,
        min(greatest(
            {{ rw_local_date('coalesce(decided_at, updated_at)') }},
            coalesce(refund_approved_known.known_on, {{ rw_local_date('coalesce(decided_at, updated_at)') }})
        )) as defect_date
    from {{ ref('fct_refunds') }}
    left join refund_approved_known using (refund_id)
    where decision = 'approved'
      and reason in ({% for r in var('rw_defect_refund_reasons') %}'{{ r }}'{{ ', ' if not loop.last }}{% endfor %})
    group by merchant_id, order_id

),

order_defects as (

    select
        orders.merchant_id,
        orders.order_id,
        orders.order_date,
        orders.known_on,
        case
            when complaint_defects.defect_date is null then refund_defects.defect_date
            when refund_defects.defect_date is null then complaint_defects.defect_date
            else least(complaint_defects.defect_date, refund_defects.defect_date)
        end as defect_date
    from orders
    left join complaint_defects
        on complaint_defects.merchant_id = orders.merchant_id and complaint_defects.order_id = orders.order_id
    left join refund_defects
        on refund_defects.merchant_id = orders.merchant_id and refund_defects.order_id = orders.order_id

),

order_days as (

    select merchant_id, order_date, known_on, defect_date, count(*) as orders
    from order_defects
    group by merchant_id, order_date, known_on, defect_date

),

order_window as (

    select
        list_dates.as_of_date,
        order_days.merchant_id,
        sum(order_days.orders) as orders,
        coalesce(sum(order_days.orders) filter (where order_days.defect_date <= list_dates.as_of_date), 0)
            as defect_orders
    from list_dates
    inner join order_days
        on order_days.order_date between list_dates.window_start and list_dates.as_of_date
       and order_days.known_on <= list_dates.as_of_date
    group by list_dates.as_of_date, order_days.merchant_id

),

ship_days as (

    select
        merchant_id,
        {{ rw_local_date('promised_ship_by') }} as ship_by_date,
        known_on,
        count(*) as ship_lines,
        count(*) filter (where shipped_at is null or shipped_at > promised_ship_by) as late_lines
    from lines
    where promised_ship_by is not null
      and order_status <> 'cancelled'
    group by 1, 2, 3

),

ship_window as (

    select
        list_dates.as_of_date,
        ship_days.merchant_id,
        sum(ship_days.ship_lines) as ship_lines,
        sum(ship_days.late_lines) as late_lines
    from list_dates
    inner join ship_days
        on ship_days.ship_by_date between list_dates.window_start and list_dates.as_of_date
       and ship_days.known_on <= list_dates.as_of_date
    group by 1, 2

),

complaint_days as (

    select
        merchant_id,
        {{ rw_local_date('received_at') }} as received_date,
        coalesce(complaint_known.known_on, {{ rw_local_date('received_at') }}) as known_on,
        count(*) as complaints
    from {{ ref('fct_complaints') }}
    left join complaint_known using (complaint_id)
    group by 1, 2, 3

),

complaint_window as (

    select
        list_dates.as_of_date,
        complaint_days.merchant_id,
        sum(complaint_days.complaints) as complaints
    from list_dates
    inner join complaint_days
        on complaint_days.received_date between list_dates.window_start and list_dates.as_of_date
       and complaint_days.known_on <= list_dates.as_of_date
    group by 1, 2

),

keys as (

    select as_of_date, merchant_id from order_window
    union
    select as_of_date, merchant_id from ship_window
    union
    select as_of_date, merchant_id from complaint_window

),

rates as (

    select
        keys.as_of_date,
        keys.merchant_id,
        merchants.category,
        cast(coalesce(order_window.orders, 0) as bigint) as orders,
        cast(coalesce(order_window.defect_orders, 0) as bigint) as defect_orders,
        cast(coalesce(ship_window.ship_lines, 0) as bigint) as ship_lines,
        cast(coalesce(ship_window.late_lines, 0) as bigint) as late_lines,
        cast(coalesce(complaint_window.complaints, 0) as bigint) as complaints,
        coalesce(order_window.orders, 0) >= {{ var('rw_score_min_orders') }} as rate_scored
    from keys
    left join order_window using (as_of_date, merchant_id)
    left join ship_window using (as_of_date, merchant_id)
    left join complaint_window using (as_of_date, merchant_id)
    left join {{ ref('int_scoring__merchants_as_of') }} as merchants using (as_of_date, merchant_id)

),

with_values as (

    select
        rates.*,
        cast(defect_orders as double) / nullif(orders, 0) as order_defect_rate,
        cast(late_lines as double) / nullif(ship_lines, 0) as late_shipment_rate,
        cast(complaints as double) * 1000 / nullif(orders, 0) as complaints_per_1000_orders
    from rates

),

category_medians as (

    select
        as_of_date,
        category,
        {{ rw_median('complaints_per_1000_orders') }} as category_median_per_1000
    from with_values
    where rate_scored and category is not null
    group by as_of_date, category

)

select
    with_values.as_of_date,
    {{ rw_score_window_start('with_values.as_of_date', days) }} as window_start,
    with_values.merchant_id,
    with_values.category,
    with_values.orders,
    with_values.defect_orders,
    with_values.order_defect_rate,
    with_values.ship_lines,
    with_values.late_lines,
    with_values.late_shipment_rate,
    with_values.complaints,
    with_values.complaints_per_1000_orders,
    category_medians.category_median_per_1000,
    with_values.rate_scored,
    coalesce(with_values.rate_scored
        and with_values.order_defect_rate >= {{ var('rw_score_order_defect_threshold') }}, false)
        as breach_order_defect,
    coalesce(with_values.rate_scored
        and with_values.late_shipment_rate >= {{ var('rw_score_late_shipment_threshold') }}, false)
        as breach_late_shipment,
    coalesce(with_values.rate_scored
        and with_values.complaints_per_1000_orders
            > {{ var('rw_score_complaint_ratio_multiple') }} * category_medians.category_median_per_1000, false)
        as breach_complaints
from with_values
left join category_medians
    on category_medians.as_of_date = with_values.as_of_date
   and category_medians.category = with_values.category
