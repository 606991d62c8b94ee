-- Rates per merchant over the rolling rw_score_rate_window_days (90) local days ending on window_end
-- (window_end-89 ... window_end), for every list date D (as_of_date) and every window_end up to D, as
-- known at the end of day D (violation-scoring.md 1.1 section 2: for the list of day D the windows ending
-- on every day up to D are judged with what is known on D, so data delivered late still shows a past
-- breach). With the kpis.md definitions:
--   order_defect_rate = distinct orders placed in the window with a substantiated complaint or an
--     approved refund with a reason in rw_defect_refund_reasons, established (verified / decided) by D
--     / distinct orders placed in the window;
--   late_shipment_rate = lines whose promised_ship_by falls in the window shipped after it or not
--     shipped by then / such lines, less cancelled lines (none is pending: every deadline in the
--     window has passed by the end of window_end <= D);
--   complaints_per_1000_orders = complaints received in the window x 1000 / distinct orders placed in
--     the window; compared with rw_score_complaint_ratio_multiple x the median of that figure over the
--     rate-scored merchants of the same category for the same window (category of the version in force
--     on D).
-- Only what was delivered by D counts, and as the version known on D shows it (rw_known_intervals: an
-- order line's merchant, order day, promised and actual shipping and status; a complaint's merchant and
-- day; for a defect, the version that substantiated / approved it), so the figures equal those of a
-- build with cut-off D, even after a later version cancelled a line, moved a shipping date or reversed
-- a defect.
-- A merchant with fewer than rw_score_min_orders orders in the window is not rate-scored
-- (rate_scored false: too few to judge) and never breaches.
-- Set-based: the facts are counted per merchant and day as known on each D, laid on a calendar of
-- every day of the merchant's activity, and summed over a 90-day range window (no days x rows join).
-- Only windows holding at least one order, due line or complaint are kept.
-- Incremental by list date: a list is a function of what was delivered by its day, the merchant
-- categories known on it and the vars (macro rw_rate_window_inputs, stored as inputs_fingerprint), so a
-- new delivery day leaves every earlier list as it is. The pre-hook deletes the lists whose fingerprint
-- changed (a corrected or late delivery, a var) or that are no longer list dates; a run
-- then builds only the lists the table does not hold, nearly always just the new day's. A full refresh,
-- an "as of" build (rw_as_of_incremental) and Spark build every list.
{{ config(**rw_as_of_incremental('as_of_date', pre_hook="{{ rw_delete_stale_rate_windows() }}")) }}
{%- set days = var('rw_score_rate_window_days') %}

with

list_inputs as (

    {{ rw_rate_window_inputs() }}

),

-- The lists this build computes: every list on a full build, else those the table does not hold.
list_dates as (

    select as_of_date, inputs_fingerprint
    from list_inputs
    {%- if is_incremental() and not var('rw_cutoff') %}
    where not exists (select 1 from {{ this }} as built where built.as_of_date = list_inputs.as_of_date)
    {%- endif %}

),

-- Every order-line version with the list days on which it was the line's version (known_from <= D <
-- known_to): list D counts a line as the version known on D shows it, so a cancellation or a shipping
-- date delivered after D does not rewrite list D. And every order as list D knows it: per snapshot of its
-- line versions, its first order day. Both per order in int_scoring__order_facts (incremental by order).
line_versions as (

    select merchant_id, promise_date, counts_for_shipping, is_late, known_from, known_to
    from {{ ref('int_scoring__order_facts') }}
    where fact_kind = 'line'

),

orders as (

    select merchant_id, order_id, order_date, known_from, known_to
    from {{ ref('int_scoring__order_facts') }}
    where fact_kind = 'order'

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

-- Facts per merchant, day and known interval: orders placed, lines due to ship, complaints received.
day_facts as (

    select
        merchant_id,
        order_date as fact_date,
        known_from,
        known_to,
        count(*) as orders,
        0 as ship_lines,
        0 as late_lines,
        0 as complaints
    from orders
    group by 1, 2, 3, 4

    union all

    select
        merchant_id,
        promise_date as fact_date,
        known_from,
        known_to,
        0 as orders,
        count(*) as ship_lines,
        count(*) filter (where is_late) as late_lines,
        0 as complaints
    from line_versions
    where counts_for_shipping
    group by 1, 2, 3, 4

    union all

    select
        merchant_id,
        {{ rw_local_date('received_at') }} as fact_date,
        known_from,
        known_to,
        0 as orders,
        0 as ship_lines,
        0 as late_lines,
        count(*) as complaints
    from complaint_versions
    group by 1, 2, 3, 4

),

-- What list D knows per merchant and day: the facts of the versions known on D, on days up to D ...
known_facts as (

    select
        list_dates.as_of_date,
        day_facts.merchant_id,
        day_facts.fact_date,
        sum(day_facts.orders) as orders,
        0 as defect_orders,
        sum(day_facts.ship_lines) as ship_lines,
        sum(day_facts.late_lines) as late_lines,
        sum(day_facts.complaints) as complaints
    from list_dates
    inner join day_facts
        on day_facts.known_from <= list_dates.as_of_date
       and (day_facts.known_to is null or day_facts.known_to > list_dates.as_of_date)
       and day_facts.fact_date <= list_dates.as_of_date
    group by 1, 2, 3

),

-- ... and the defective orders per merchant and order day, as list D knows them. The few defects meet
-- their orders first (distinct: the planner may not move the list days inside it; joined the other way
-- round it laid every order over every list day, 52 M rows and 11 s at 10 M order lines).
defect_orders as (

    select distinct
        defects.merchant_id,
        defects.order_id,
        defects.defect_date,
        defects.known_to as defect_known_to,
        orders.order_date,
        orders.known_from as order_known_from,
        orders.known_to as order_known_to
    from defects
    inner join orders
        on orders.merchant_id = defects.merchant_id
       and orders.order_id = defects.order_id

),

known_defects as (

    select
        list_dates.as_of_date,
        defect_orders.merchant_id,
        defect_orders.order_date as fact_date,
        0 as orders,
        count(distinct defect_orders.order_id) as defect_orders,
        0 as ship_lines,
        0 as late_lines,
        0 as complaints
    from list_dates
    inner join defect_orders
        on defect_orders.defect_date <= list_dates.as_of_date
       and (defect_orders.defect_known_to is null or defect_orders.defect_known_to > list_dates.as_of_date)
       and defect_orders.order_known_from <= list_dates.as_of_date
       and (defect_orders.order_known_to is null or defect_orders.order_known_to > list_dates.as_of_date)
       and defect_orders.order_date <= list_dates.as_of_date
    group by 1, 2, 3

),

known_days as (

    select
        as_of_date,
        merchant_id,
        fact_date,
        sum(orders) as orders,
        sum(defect_orders) as defect_orders,
        sum(ship_lines) as ship_lines,
        sum(late_lines) as late_lines,
        sum(complaints) as complaints
    from (
        select * from known_facts
        union all
        select * from known_defects
    ) as facts
    group by 1, 2, 3

),

-- The first order day list D knows of any merchant: the platform's records begin there. A window that
-- starts earlier is not a 90-day window of records but a few days of them (the first delivery of a new
-- warehouse backfills some months): it is not judged, for any merchant.
coverage as (

    select as_of_date, min(fact_date) as coverage_start
    from known_days
    where orders > 0
    group by as_of_date

),

-- Every window end of list D from the first complete window and the merchant's first known fact up to D
-- (or until its last fact has left the window): a breach can end on a day without any new fact, as older
-- days drop out of the window.
spans as (

    select
        known_days.as_of_date,
        known_days.merchant_id,
        min(known_days.fact_date) as first_date,
        greatest(min(known_days.fact_date), {{ rw_add_days('any_value(coverage.coverage_start)', days - 1) }})
            as first_window_end,
        least(known_days.as_of_date, {{ rw_add_days('max(known_days.fact_date)', days - 1) }}) as last_window_end
    from known_days
    inner join coverage using (as_of_date)
    group by known_days.as_of_date, known_days.merchant_id

),

calendar as (

    select cast(series_day as date) as window_end
    from (
        select {{ rw_explode(rw_day_series('(select min(first_date) from spans)', '(select max(as_of_date) from spans)')) }} as series_day
    ) as days

),

daily as (

    select
        spans.as_of_date,
        spans.merchant_id,
        spans.first_window_end,
        calendar.window_end,
        coalesce(known_days.orders, 0) as orders,
        coalesce(known_days.defect_orders, 0) as defect_orders,
        coalesce(known_days.ship_lines, 0) as ship_lines,
        coalesce(known_days.late_lines, 0) as late_lines,
        coalesce(known_days.complaints, 0) as complaints
    from spans
    inner join calendar
        on calendar.window_end between spans.first_date and spans.last_window_end
    left join known_days
        on known_days.as_of_date = spans.as_of_date
       and known_days.merchant_id = spans.merchant_id
       and known_days.fact_date = calendar.window_end

),

windows as (

    select
        as_of_date,
        window_end,
        merchant_id,
        first_window_end,
        cast(sum(orders) over rolling as bigint) as orders,
        cast(sum(defect_orders) over rolling as bigint) as defect_orders,
        cast(sum(ship_lines) over rolling as bigint) as ship_lines,
        cast(sum(late_lines) over rolling as bigint) as late_lines,
        cast(sum(complaints) over rolling as bigint) as complaints
    from daily
    window rolling as (
        partition by as_of_date, merchant_id
        order by window_end
        range between interval '{{ days - 1 }} days' preceding and current row
    )

),

with_values as (

    select
        windows.*,
        merchants.category,
        windows.orders >= {{ var('rw_score_min_orders') }} as rate_scored,
        cast(windows.defect_orders as double) / nullif(windows.orders, 0) as order_defect_rate,
        cast(windows.late_lines as double) / nullif(windows.ship_lines, 0) as late_shipment_rate,
        cast(windows.complaints as double) * 1000 / nullif(windows.orders, 0) as complaints_per_1000_orders
    from windows
    left join {{ ref('int_scoring__merchants_as_of') }} as merchants using (as_of_date, merchant_id)
    where windows.window_end >= windows.first_window_end
      and (windows.orders > 0 or windows.ship_lines > 0 or windows.complaints > 0)

),

category_medians as (

    select
        as_of_date,
        window_end,
        category,
        {{ rw_median('complaints_per_1000_orders') }} as category_median_per_1000
    from with_values
    where rate_scored and category is not null
    group by as_of_date, window_end, category

)

select
    with_values.as_of_date,
    with_values.window_end,
    {{ rw_score_window_start('with_values.window_end', days) }} as window_start,
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
        as breach_complaints,
    list_dates.inputs_fingerprint
from with_values
inner join list_dates
    on list_dates.as_of_date = with_values.as_of_date
left join category_medians
    on category_medians.as_of_date = with_values.as_of_date
   and category_medians.window_end = with_values.window_end
   and category_medians.category = with_values.category
