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
-- Only what was delivered by D counts (first delivery day of the record; for a defect, the version
-- known on D that substantiated / approved it), so the figures equal those of a build with cut-off D,
-- even after a later version reversed a defect.
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

    {{ rw_first_delivered(ref('int_orders__versions_as_of'), ['order_id', 'line_no']) }}

),

lines as (

    select lines.*, coalesce(line_known.known_on, lines.ordered_date_local) as known_on
    from {{ ref('int_orders__latest') }} as lines
    left join line_known using (order_id, line_no)

),

orders as (

    select merchant_id, order_id, min(ordered_date_local) as order_date, min(known_on) as known_on
    from lines
    group by merchant_id, order_id

),

complaint_known as (

    {{ rw_first_delivered(ref('int_complaints__versions_as_of'), ['complaint_id']) }}

),

-- A defect holds on list D when the version that establishes it was the known version on D
-- (macro rw_known_intervals) and it was established by D: a complaint later found unjustified, or a
-- refund approval later overturned, still made the orders of the lists before the reversal defective.
complaint_versions as (

    {{ rw_known_intervals(ref('int_complaints__versions_as_of'), ['complaint_id']) }}

),

refund_versions as (

    {{ rw_known_intervals(ref('int_refunds__versions_as_of'), ['refund_id']) }}

),

defects as (

    select
        merchant_id,
        order_id,
        greatest({{ rw_local_date('coalesce(verified_at, resolved_at, updated_at)') }}, known_from) as defect_date,
        known_to
    from complaint_versions
    where {{ rw_is_defect_complaint() }}

    union all

    select
        merchant_id,
        order_id,
        greatest({{ rw_local_date('coalesce(decided_at, updated_at)') }}, known_from) as defect_date,
        known_to
    from refund_versions
    where {{ rw_is_defect_refund() }}

),

order_days as (

    select merchant_id, order_date, known_on, count(*) as orders
    from orders
    group by merchant_id, order_date, known_on

),

order_window as (

    select
        list_dates.as_of_date,
        order_days.merchant_id,
        sum(order_days.orders) as orders
    from list_dates
    inner join order_days
        on order_days.order_date between list_dates.window_start and list_dates.as_of_date
       and order_days.known_on <= list_dates.as_of_date
    group by list_dates.as_of_date, order_days.merchant_id

),

defect_window as (

    select
        list_dates.as_of_date,
        orders.merchant_id,
        count(distinct orders.order_id) as defect_orders
    from list_dates
    inner join orders
        on orders.order_date between list_dates.window_start and list_dates.as_of_date
       and orders.known_on <= list_dates.as_of_date
    inner join defects
        on defects.merchant_id = orders.merchant_id
       and defects.order_id = orders.order_id
       and defects.defect_date <= list_dates.as_of_date
       and (defects.known_to is null or defects.known_to > list_dates.as_of_date)
    group by list_dates.as_of_date, orders.merchant_id

),

ship_days as (

    select
        merchant_id,
        {{ rw_local_date('promised_ship_by') }} as ship_by_date,
        known_on,
        count(*) as ship_lines,
        count(*) filter (where {{ rw_is_late_shipment() }}) as late_lines
    from lines
    where {{ rw_counts_for_shipping() }}
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
    from {{ ref('int_complaints__latest') }}
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
        cast(coalesce(defect_window.defect_orders, 0) as bigint) as defect_orders,
        cast(coalesce(ship_window.ship_lines, 0) as bigint) as ship_lines,
        cast(coalesce(ship_window.late_lines, 0) as bigint) as late_lines,
        cast(coalesce(complaint_window.complaints, 0) as bigint) as complaints,
        coalesce(order_window.orders, 0) >= {{ var('rw_score_min_orders') }} as rate_scored
    from keys
    left join order_window using (as_of_date, merchant_id)
    left join defect_window using (as_of_date, merchant_id)
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
