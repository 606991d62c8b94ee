-- Fake original price (general, 2 points per order line; Price Marking and Price Fraud Provisions
-- Art. 16): the line's list_price is above its reference price (fct_price_checks verdict 'fake').
-- Monthly cap, explicit here: per merchant and local calendar month, lines are taken in order
-- (order day, order id, line no); each earns its points until the month's total reaches
-- rw_score_fake_price_monthly_cap (12). Lines past the cap stay as evidence with 0 points and say so,
-- so the list shows every fake price while one bad month cannot outweigh a serious violation.
{%- set per_line = rw_score_points('fake_original_price') %}
{%- set cap = var('rw_score_fake_price_monthly_cap') %}

with

known as (

    {{ rw_first_delivered(ref('int_orders__versions_as_of'), ['order_id', 'line_no']) }}

),

fake as (

    select
        checks.*,
        known.known_on,
        cast(date_trunc('month', ordered_date_local) as date) as order_month,
        row_number() over (
            partition by merchant_id, cast(date_trunc('month', ordered_date_local) as date)
            order by ordered_date_local, order_id, line_no
        ) as month_seq
    from {{ ref('int_orders__price_checks') }} as checks
    left join known using (order_id, line_no)
    where verdict = 'fake'

),

scored as (

    select
        fake.*,
        greatest(0, least({{ per_line }}, {{ cap }} - (month_seq - 1) * {{ per_line }})) as points
    from fake

)

select
    'fake_original_price:' || order_id || '#' || cast(line_no as varchar) as evidence_id,
    merchant_id,
    ordered_date_local as evidence_date,
    'fake_original_price' as violation_type,
    '{{ rw_score_severity("fake_original_price") }}' as severity,
    points,
    cast(null as varchar) as complaint_id,
    cast(null as varchar) as refund_id,
    order_id,
    cast(line_no as bigint) as line_no,
    'order line ' || order_id || '#' || cast(line_no as varchar) || ' (' || sku_id || '): list price '
        || cast(list_price as varchar) || ' above the reference price ' || cast(reference_price as varchar)
        || ' (' || reference_basis || ')'
        || case when points < {{ per_line }}
            then '; monthly cap of {{ cap }} points for ' || strftime(order_month, '%Y-%m') || ' reached'
            else '' end as detail,
    cast(null as date) as superseded_on,
    coalesce(known_on, ordered_date_local) as known_on
from scored
