-- All evidence (published as marts.fct_violation_evidence): one row per substantiated violation.
{{ config(materialized='table') }}
-- Event evidence (complaints, refunds, licences, fake prices) is dated on the local day the violation
-- was established and counts in every list whose 365-day points window holds that day, until
-- superseded_on (a late refund's 7-day row is replaced by its 15-day row).
-- Rate breaches (violation-scoring.md 1.1, section 2): for each list date D the 90-day windows ending on
-- every day up to D are judged with what was known on D (int_scoring__rate_windows). On each list, the
-- scoring breaches of a merchant and rate type are its first breach, then repeatedly the first breach on
-- or after the previous scoring breach + rw_score_rate_window_days (a merchant in breach all year
-- collects four or five rows per rate type, not one per list). A scoring breach is an evidence row
-- dated on its window's last day and, like every evidence row, counts for 365 days; it holds on the
-- lists that score it (known_on = the first, superseded_on = the first list that no longer does, when
-- later data cleared or moved the breach), so each list equals a build with that day as cut-off.
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
    select as_of_date, merchant_id, '{{ vtype }}' as violation_type, window_end as breach_date
    from rates
    where {{ flag }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- For each breach b of a list, the first breach of the same list, merchant and type on or after
-- b + the window length: the one that scores next if b scores. Set-based: a probe row at b + gap sorts
-- before a breach of the same day, and the smallest breach date from the probe onwards is the answer.
probes as (

    select as_of_date, merchant_id, violation_type, breach_date as probe_of,
           {{ rw_add_days('breach_date', gap) }} as at_date, 0 as sort_kind, cast(null as date) as candidate
    from breaches

    union all

    select as_of_date, merchant_id, violation_type, cast(null as date) as probe_of,
           breach_date as at_date, 1 as sort_kind, breach_date as candidate
    from breaches

),

next_breaches as (

    select as_of_date, merchant_id, violation_type, probe_of as breach_date, next_date
    from (
        select
            probes.*,
            min(candidate) over (
                partition by as_of_date, merchant_id, violation_type
                order by at_date, sort_kind
                rows between current row and unbounded following
            ) as next_date
        from probes
    ) as probed
    where sort_kind = 0

),

-- The scoring breaches of each list: the first breach, then the chain of next breaches.
scoring_breaches as (

    with recursive chain as (

        select as_of_date, merchant_id, violation_type, min(breach_date) as breach_date
        from breaches
        group by as_of_date, merchant_id, violation_type

        union all

        select chain.as_of_date, chain.merchant_id, chain.violation_type, next_breaches.next_date
        from chain
        inner join next_breaches
            on next_breaches.as_of_date = chain.as_of_date
           and next_breaches.merchant_id = chain.merchant_id
           and next_breaches.violation_type = chain.violation_type
           and next_breaches.breach_date = chain.breach_date
        where next_breaches.next_date is not null

    )

    select * from chain

),

list_days as (

    select
        as_of_date,
        lead(as_of_date) over (order by as_of_date) as next_list_date
    from {{ ref('int_scoring__list_dates') }}

),

scored_rates as (

    select
        rates.*,
        scoring_breaches.violation_type as scored_type,
        list_days.next_list_date
    from scoring_breaches
    inner join rates
        on rates.as_of_date = scoring_breaches.as_of_date
       and rates.merchant_id = scoring_breaches.merchant_id
       and rates.window_end = scoring_breaches.breach_date
    inner join list_days
        on list_days.as_of_date = scoring_breaches.as_of_date

),

rate_per_list as (

    {%- for vtype, flag in rate_types %}
    select
        '{{ vtype }}:' || merchant_id || ':' || cast(window_end as string) as evidence_id,
        merchant_id,
        window_end as evidence_date,
        '{{ vtype }}' as violation_type,
        '{{ rw_score_severity(vtype) }}' as severity,
        {{ rw_score_points(vtype) }} as points,
        cast(null as string) as complaint_id,
        cast(null as string) as refund_id,
        cast(null as string) as order_id,
        cast(null as bigint) as line_no,
        {%- if vtype == 'rate_order_defect' %}
        'order defect rate ' || cast(round(order_defect_rate * 100, 2) as string) || '% ('
            || cast(defect_orders as string) || ' of ' || cast(orders as string) || ' orders'
            || ') >= {{ var("rw_score_order_defect_threshold") * 100 }}%'
        {%- elif vtype == 'rate_late_shipment' %}
        'late shipment rate ' || cast(round(late_shipment_rate * 100, 2) as string) || '% ('
            || cast(late_lines as string) || ' of ' || cast(ship_lines as string) || ' lines'
            || ') >= {{ var("rw_score_late_shipment_threshold") * 100 }}%'
        {%- else %}
        'complaints per 1000 orders ' || cast(round(complaints_per_1000_orders, 1) as string) || ' ('
            || cast(complaints as string) || ' complaints, ' || cast(orders as string) || ' orders) > '
            || '{{ var("rw_score_complaint_ratio_multiple") }} x the ' || coalesce(category, '?')
            || ' median ' || cast(round(category_median_per_1000, 1) as string)
        {%- endif %}
            || ', window ' || cast(window_start as string) || ' to ' || cast(window_end as string)
            || ' as known on ' || cast(as_of_date as string)
            || '; scores again no earlier than ' || cast({{ rw_add_days('window_end', gap) }} as string) as detail,
        cast(null as date) as stage_superseded_on,
        as_of_date as known_from,
        next_list_date as known_to
    from scored_rates
    where scored_type = '{{ vtype }}'
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- consecutive lists scoring the same breach make one evidence row; a breach that stops scoring and
-- scores again later gets a second row <id>@<day>
rate_evidence as (

    {{ rw_score_evidence_islands('rate_per_list', compare_detail=false) }}

),

unioned as (

    select * from events
    union all
    select * from rate_evidence

)

select
    cast(evidence_id as string) as evidence_id,
    cast(merchant_id as string) as merchant_id,
    cast(evidence_date as date) as evidence_date,
    cast(violation_type as string) as violation_type,
    cast(severity as string) as severity,
    cast(points as integer) as points,
    cast(complaint_id as string) as complaint_id,
    cast(refund_id as string) as refund_id,
    cast(order_id as string) as order_id,
    cast(line_no as bigint) as line_no,
    cast(detail as string) as detail,
    cast(superseded_on as date) as superseded_on,
    cast(known_on as date) as known_on
from unioned
