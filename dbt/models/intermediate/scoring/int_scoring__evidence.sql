-- All evidence (published as marts.fct_violation_evidence): one row per substantiated violation.
{{ config(materialized='table') }}
-- Event evidence (complaints, refunds, licences, fake prices) is dated on the local day the violation
-- was established and counts in every list whose 365-day points window holds that day, until
-- superseded_on (a late refund's 7-day row is replaced by its 15-day row).
-- Rate breaches (violation-scoring.md 1.1, section 2): the 90-day window ending on each list date is
-- judged with what was known that day (int_scoring__rate_windows). A scoring breach is an evidence row
-- dated on its window's last day and, like every evidence row, counts for 365 days. "Once per window":
-- after a scoring breach on day b, the same rate type of the same merchant scores again on the first
-- list date >= b + rw_score_rate_window_days whose window is in breach (chain below), so a merchant in
-- breach all year collects four or five rows per rate type, not one per list.
{%- set rate_types = [
    ('rate_order_defect', 'breach_order_defect'),
    ('rate_late_shipment', 'breach_late_shipment'),
    ('rate_complaints', 'breach_complaints'),
] %}
{%- set gap = var('rw_score_rate_window_days') %}

with

events as (

    select * from {{ ref('int_scoring__complaint_evidence') }}
    union all
    select * from {{ ref('int_scoring__refund_evidence') }}
    union all
    select * from {{ ref('int_scoring__licence_evidence') }}
    union all
    select * from {{ ref('int_scoring__fake_price_evidence') }}

),

rates as (

    select * from {{ ref('int_scoring__rate_windows') }}
    where breach_order_defect or breach_late_shipment or breach_complaints

),

breaches as (

    {%- for vtype, flag in rate_types %}
    select merchant_id, '{{ vtype }}' as violation_type, as_of_date
    from rates
    where {{ flag }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- The scoring breaches: the first breach of each merchant and rate type, then repeatedly the first
-- breach on or after the previous scoring breach + the window length.
scoring_breaches as (

    with recursive chain as (

        select merchant_id, violation_type, min(as_of_date) as breach_date
        from breaches
        group by merchant_id, violation_type

        union all

        select
            chain.merchant_id,
            chain.violation_type,
            (
                select min(later.as_of_date)
                from breaches as later
                where later.merchant_id = chain.merchant_id
                  and later.violation_type = chain.violation_type
                  and later.as_of_date >= {{ rw_add_days('chain.breach_date', gap) }}
            ) as breach_date
        from chain
        where chain.breach_date is not null

    )

    select * from chain where breach_date is not null

),

scored_rates as (

    select rates.*, scoring_breaches.violation_type as scored_type
    from scoring_breaches
    inner join rates
        on rates.merchant_id = scoring_breaches.merchant_id
       and rates.as_of_date = scoring_breaches.breach_date

),

rate_evidence as (

    {%- for vtype, flag in rate_types %}
    select
        '{{ vtype }}:' || merchant_id || ':' || cast(as_of_date as varchar) as evidence_id,
        merchant_id,
        as_of_date as evidence_date,
        '{{ vtype }}' as violation_type,
        '{{ rw_score_severity(vtype) }}' as severity,
        {{ rw_score_points(vtype) }} as points,
        cast(null as varchar) as complaint_id,
        cast(null as varchar) as refund_id,
        cast(null as varchar) as order_id,
        cast(null as bigint) as line_no,
        {%- if vtype == 'rate_order_defect' %}
        'order defect rate ' || cast(round(order_defect_rate * 100, 2) as varchar) || '% ('
            || cast(defect_orders as varchar) || ' of ' || cast(orders as varchar) || ' orders'
            || ') >= {{ var("rw_score_order_defect_threshold") * 100 }}%'
        {%- elif vtype == 'rate_late_shipment' %}
        'late shipment rate ' || cast(round(late_shipment_rate * 100, 2) as varchar) || '% ('
            || cast(late_lines as varchar) || ' of ' || cast(ship_lines as varchar) || ' lines'
            || ') >= {{ var("rw_score_late_shipment_threshold") * 100 }}%'
        {%- else %}
        'complaints per 1000 orders ' || cast(round(complaints_per_1000_orders, 1) as varchar) || ' ('
            || cast(complaints as varchar) || ' complaints, ' || cast(orders as varchar) || ' orders) > '
            || '{{ var("rw_score_complaint_ratio_multiple") }} x the ' || coalesce(category, '?')
            || ' median ' || cast(round(category_median_per_1000, 1) as varchar)
        {%- endif %}
            || ', window ' || cast(window_start as varchar) || ' to ' || cast(as_of_date as varchar)
            || '; scores again no earlier than ' || cast({{ rw_add_days('as_of_date', gap) }} as varchar) as detail,
        cast(null as date) as superseded_on,
        as_of_date as known_on
    from scored_rates
    where scored_type = '{{ vtype }}'
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

unioned as (

    select * from events
    union all
    select * from rate_evidence

)

select
    cast(evidence_id as varchar) as evidence_id,
    cast(merchant_id as varchar) as merchant_id,
    cast(evidence_date as date) as evidence_date,
    cast(violation_type as varchar) as violation_type,
    cast(severity as varchar) as severity,
    cast(points as integer) as points,
    cast(complaint_id as varchar) as complaint_id,
    cast(refund_id as varchar) as refund_id,
    cast(order_id as varchar) as order_id,
    cast(line_no as bigint) as line_no,
    cast(detail as varchar) as detail,
    cast(superseded_on as date) as superseded_on,
    cast(known_on as date) as known_on
from unioned
