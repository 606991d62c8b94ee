-- Refund violations.
-- 1. Late refunds (general): the returned goods arrived (return_received_at) and the money was paid
--    more than rw_refund_days (7) days later — 2 points — or more than rw_refund_penalty_days (15)
--    days later — 4 points instead. Refused refunds are not late refunds (a refused eligible no-reason
--    return is scored below). Dated as violation-scoring.md 1.1 names it: on the local day the refund
--    was paid, or for one still unpaid, the day its deadline passed (a version unpaid at the cut-off
--    counts once its deadline has passed, kpis.md). The 7-day row is superseded (superseded_on) by the
--    15-day row from that row's date, so a list counts 2 points before day 15 and 4 (not 6) after.
-- 2. Refusal of an eligible 7-day no-reason return (serious, 6): reason no_reason_7day, decision
--    rejected, on a delivered order line not nrr_exempt, requested on or before the rw_nrr_days-th
--    calendar day after the local day of delivery (kpis.md nrr_refusal_rate; the 7-Day Measures count
--    the period from receipt, so a line not delivered has no no-reason return to refuse). A refund
--    without line_no is eligible when any line of its order is. Dated on the day of the refusal.
-- Both are derived from every refund version over the list days it was the version known (macro
-- rw_known_intervals): a past list keeps what its own day's versions said (a refusal later overturned,
-- a refund unpaid then), as a build with that day's cut-off does.
{%- set stages = [
    ('refund_late_7d', var('rw_refund_days')),
    ('refund_late_15d', var('rw_refund_penalty_days')),
] %}

with

versions as (

    {{ rw_known_intervals(ref('int_refunds__versions_as_of'), ['refund_id']) }}

),

cutoff as (

    select {{ rw_cutoff_utc() }} as cutoff_at

),

returned as (

    select versions.*, cutoff.cutoff_at
    from versions
    cross join cutoff
    where versions.return_received_at is not null
      and versions.decision <> 'rejected'

),

late_stages as (

    {%- for vtype, days in stages %}
    select
        '{{ vtype }}' as violation_type,
        {{ loop.index }} as stage,
        {{ days }} as limit_days,
        returned.*,
        case
            when refunded_at is not null then {{ rw_local_date('refunded_at') }}
            else {{ rw_local_date(rw_score_ts_plus_days('return_received_at', days)) }}
        end as evidence_date
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
        lead(evidence_date) over (
            partition by refund_id, delivery_date, file_name, file_line order by stage
        ) as stage_superseded_on
    from late_stages

),

refused as (

    select * from versions
    where reason = 'no_reason_7day'
      and decision = 'rejected'

),

refused_lines as (

    select
        refused.refund_id,
        refused.known_from,
        bool_or(
            not coalesce(lines.nrr_exempt, false)
            and lines.delivered_at is not null
            and {{ rw_local_date('refused.requested_at') }}
                <= {{ rw_add_days(rw_local_date('lines.delivered_at'), var('rw_nrr_days')) }}
        ) as is_eligible,
        min(lines.line_no) as first_line_no
    from refused
    inner join {{ ref('int_orders__latest') }} as lines
        on lines.order_id = refused.order_id
       and (refused.line_no is null or lines.line_no = refused.line_no)
    group by refused.refund_id, refused.known_from

),

per_version as (

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
        cast(null as string) as complaint_id,
        refund_id,
        order_id,
        cast(line_no as bigint) as line_no,
        'refund ' || refund_id || ': return received ' || cast({{ rw_local_date('return_received_at') }} as string)
            || case
                when refunded_at is null then ', unpaid when the deadline passed'
                else ', paid ' || cast(round({{ rw_days_between('return_received_at', 'refunded_at') }}, 1) as string)
                     || ' days later'
               end
            || ' (limit ' || cast(limit_days as string) || ' days)' as detail,
        stage_superseded_on,
        known_from,
        known_to
    from late

    union all

    select
        'nrr_refusal:' || refused.refund_id as evidence_id,
        refused.merchant_id,
        {{ rw_local_date('coalesce(refused.decided_at, refused.updated_at)') }} as evidence_date,
        'nrr_refusal' as violation_type,
        '{{ rw_score_severity("nrr_refusal") }}' as severity,
        {{ rw_score_points('nrr_refusal') }} as points,
        cast(null as string) as complaint_id,
        refused.refund_id,
        refused.order_id,
        cast(coalesce(refused.line_no, refused_lines.first_line_no) as bigint) as line_no,
        'refund ' || refused.refund_id || ': eligible 7-day no-reason return requested '
            || cast({{ rw_local_date('refused.requested_at') }} as string) || ' and refused' as detail,
        cast(null as date) as stage_superseded_on,
        refused.known_from,
        refused.known_to
    from refused
    inner join refused_lines
        on refused_lines.refund_id = refused.refund_id and refused_lines.known_from = refused.known_from
    where refused_lines.is_eligible

),

evidence as (

    {{ rw_score_evidence_islands('per_version') }}

)

-- a row superseded on or before its own date never counts on any list (a 7-day row of a refund paid
-- after 15 days: the 15-day row dated the same day replaces it)
select * from evidence
where superseded_on is null or superseded_on > evidence_date
