-- Refund violations.
-- 1. Late refunds (general): the returned goods arrived (return_received_at) and the money was paid
--    more than rw_refund_days (7) days later — 2 points — or more than rw_refund_penalty_days (15)
--    days later — 4 points instead. A refund still unpaid at the cut-off counts once its deadline has
--    passed (kpis.md). Refused refunds are not late refunds (a refused eligible no-reason return is
--    scored below). Each stage is one evidence row dated on the day its deadline passed; the 7-day row
--    is superseded (superseded_on) by the 15-day row from that row's date, so a list counts 2 points
--    before day 15 and 4 (not 6) after — as a build with that day's cut-off would.
-- 2. Refusal of an eligible 7-day no-reason return (serious, 6): reason no_reason_7day, decision
--    rejected, on a delivered order line not nrr_exempt, requested on or before the rw_nrr_days-th
--    calendar day after the local day of delivery (kpis.md nrr_refusal_rate; the 7-Day Measures count
--    the period from receipt, so a line not delivered has no no-reason return to refuse). A refund
--    without line_no is eligible when any line of its order is. Dated on the day of the refusal.
{%- set stages = [
    ('refund_late_7d', var('rw_refund_days')),
    ('refund_late_15d', var('rw_refund_penalty_days')),
] %}

with

-- First delivery day of a version with the goods back / with the refusal: no list before it knows.
known as (

    select
        refund_id,
        min(delivery_date) filter (where return_received_at is not null) as returned_known_on,
        min(delivery_date) filter (where decision = 'rejected') as rejected_known_on
    from {{ ref('int_refunds__versions_as_of') }}
    group by refund_id

),

cutoff as (

    select {{ rw_cutoff_utc() }} as cutoff_at

),

returned as (

    select refunds.*, cutoff.cutoff_at, known.returned_known_on
    from {{ ref('fct_refunds') }} as refunds
    cross join cutoff
    left join known using (refund_id)
    where refunds.return_received_at is not null
      and refunds.decision <> 'rejected'

),

late_stages as (

    {%- for vtype, days in stages %}
    select
        '{{ vtype }}' as violation_type,
        {{ loop.index }} as stage,
        {{ days }} as limit_days,
        returned.*,
        {{ rw_local_date(rw_score_ts_plus_days('return_received_at', days)) }} as evidence_date
    from returned
    where (refunded_at is not null
           and {{ rw_days_between('return_received_at', 'refunded_at') }} > {{ days }})
       or (refunded_at is null
           and {{ rw_days_between('return_received_at', 'cutoff_at') }} > {{ days }})
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

late as (

    select
        late_stages.*,
        lead(evidence_date) over (partition by refund_id order by stage) as superseded_on
    from late_stages

),

refused as (

    select refunds.*, known.rejected_known_on
    from {{ ref('fct_refunds') }} as refunds
    left join known using (refund_id)
    where refunds.reason = 'no_reason_7day'
      and refunds.decision = 'rejected'

),

refused_lines as (

    select
        refused.refund_id,
        bool_or(
            not coalesce(lines.nrr_exempt, false)
            and lines.delivered_at is not null
            and {{ rw_local_date('refused.requested_at') }}
                <= {{ rw_add_days(rw_local_date('lines.delivered_at'), var('rw_nrr_days')) }}
        ) as is_eligible,
        min(lines.line_no) as first_line_no
    from refused
    inner join {{ ref('fct_order_lines') }} as lines
        on lines.order_id = refused.order_id
       and (refused.line_no is null or lines.line_no = refused.line_no)
    group by refused.refund_id

)

select
    violation_type || ':' || refund_id as evidence_id,
    merchant_id,
    evidence_date,
    violation_type,
    '{{ rw_score_severity("refund_late_7d") }}' as severity,
    case violation_type
    {%- for vtype, days in stages %}
        when '{{ vtype }}' then {{ rw_score_points(vtype) }}
    {%- endfor %}
    end as points,
    cast(null as varchar) as complaint_id,
    refund_id,
    order_id,
    cast(line_no as bigint) as line_no,
    'refund ' || refund_id || ': return received ' || cast({{ rw_local_date('return_received_at') }} as varchar)
        || case
            when refunded_at is null then ', still unpaid at the cut-off'
            else ', paid ' || cast(round({{ rw_days_between('return_received_at', 'refunded_at') }}, 1) as varchar)
                 || ' days later'
           end
        || ' (limit ' || cast(limit_days as varchar) || ' days)' as detail,
    superseded_on,
    coalesce(returned_known_on, evidence_date) as known_on
from late

union all

select
    'nrr_refusal:' || refused.refund_id as evidence_id,
    refused.merchant_id,
    {{ rw_local_date('coalesce(refused.decided_at, refused.updated_at)') }} as evidence_date,
    'nrr_refusal' as violation_type,
    '{{ rw_score_severity("nrr_refusal") }}' as severity,
    {{ rw_score_points('nrr_refusal') }} as points,
    cast(null as varchar) as complaint_id,
    refused.refund_id,
    refused.order_id,
    cast(coalesce(refused.line_no, refused_lines.first_line_no) as bigint) as line_no,
    'refund ' || refused.refund_id || ': eligible 7-day no-reason return requested '
        || cast({{ rw_local_date('refused.requested_at') }} as varchar) || ' and refused' as detail,
    cast(null as date) as superseded_on,
    coalesce(refused.rejected_known_on, {{ rw_local_date('coalesce(refused.decided_at, refused.updated_at)') }}) as known_on
from refused
inner join refused_lines on refused_lines.refund_id = refused.refund_id
where refused_lines.is_eligible
