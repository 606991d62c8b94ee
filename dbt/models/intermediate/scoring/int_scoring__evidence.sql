-- All evidence (published as marts.fct_violation_evidence): one row per substantiated violation.
{{ config(materialized='table') }}
-- Event evidence (complaints, refunds, licences, fake prices) is dated on the local day the violation
-- was established and counts in every list whose 365-day points window holds that day, until
-- superseded_on (a late refund's 7-day row is replaced by its 15-day row). A rate breach is a judgement
-- on one list date: it is dated on that list date, covers the 90-day window ending there, and counts
-- on that list only (superseded_on = the next day), so each breach adds its points once per window.
{%- set rate_types = [
    ('rate_order_defect', 'breach_order_defect'),
    ('rate_late_shipment', 'breach_late_shipment'),
    ('rate_complaints', 'breach_complaints'),
] %}

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
            || ', window ' || cast(window_start as varchar) || ' to ' || cast(as_of_date as varchar) as detail,
        {{ rw_add_days('as_of_date', 1) }} as superseded_on,
        as_of_date as known_on
    from rates
    where {{ flag }}
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
