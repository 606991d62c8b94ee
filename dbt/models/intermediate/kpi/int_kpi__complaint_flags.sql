{#- One row per complaint received at or before the cut-off (fct_complaints: its latest version as of the
    cut-off) with the facts every complaint KPI counts. An event timestamp later than the cut-off counts
    as not yet happened. Limits are elapsed hours; exactly the limit counts as within. Pending = not yet
    done and the deadline (received_at + limit) not passed at the cut-off. -#}
with cutoff as (
    select cutoff_at from {{ ref('int_kpi__cutoff') }}
),

complaints as (
    select
        c.complaint_id,
        c.order_id,
        c.merchant_id,
        c.right_category,
        c.issue_code,
        c.status,
        coalesce(c.substantiated, false) as substantiated,
        coalesce(c.advance_compensation, false) as advance_compensation,
        coalesce(c.compensation_amount, 0) as compensation_amount,
        c.received_at,
        case when c.first_response_at <= k.cutoff_at then c.first_response_at end as first_response_at,
        case when c.verified_at <= k.cutoff_at then c.verified_at end as verified_at,
        case when c.resolved_at <= k.cutoff_at then c.resolved_at end as resolved_at,
        case when c.escalated_at <= k.cutoff_at then c.escalated_at end as escalated_at,
        k.cutoff_at
    from {{ ref('int_complaints__latest') }} as c
    cross join cutoff as k
    where c.received_at <= k.cutoff_at
),

-- only the orders a complaint names (the join below reads no other): summing every order's lines
-- cost more than the rest of the model at 1 M lines
order_paid as (
    select order_id, sum(line_amount) as paid_amount
    from {{ ref('int_orders__latest') }}
    where order_id in (select order_id from complaints)
    group by order_id
),

flags as (
    select
        c.*,
        {{ kpi_month('c.received_at') }} as received_month,
        {{ kpi_month('c.resolved_at') }} as resolved_month,
        -- first response within the limit; exactly the limit counts as within
        c.first_response_at is not null
            and {{ kpi_hours_between('c.received_at', 'c.first_response_at') }} <= {{ var('rw_first_response_hours') }} as fr_hit,
        c.first_response_at is null
            and {{ kpi_hours_between('c.received_at', 'c.cutoff_at') }} <= {{ var('rw_first_response_hours') }} as fr_pending,
        c.issue_code in {{ kpi_in_list('rw_quality_issue_codes') }} as is_quality,
        c.verified_at is not null
            and {{ kpi_hours_between('c.received_at', 'c.verified_at') }} <= {{ var('rw_verify_hours') }} as ver_hit,
        c.verified_at is null
            and {{ kpi_hours_between('c.received_at', 'c.cutoff_at') }} <= {{ var('rw_verify_hours') }} as ver_pending,
        c.status in ('resolved', 'rejected') as is_resolved,
        case when c.status in ('resolved', 'rejected') and c.resolved_at is not null
             then {{ kpi_hours_between('c.received_at', 'c.resolved_at') }} end as resolution_hours,
        (c.escalated_at is not null or c.status = 'escalated') as is_escalated,
        case when c.substantiated and c.issue_code in {{ kpi_in_list('rw_punitive_issue_codes') }}
             then cast(greatest({{ var('rw_punitive_multiplier') }} * coalesce(p.paid_amount, 0),
                                {{ var('rw_punitive_minimum') }}) as decimal(18, 2)) end as punitive_amount,
        c.substantiated and c.issue_code = 'review_removed' as is_review_removal,
        c.substantiated and (c.right_category = 'privacy' or c.issue_code = 'data_leak') as is_privacy_incident
    from complaints as c
    left join order_paid as p on p.order_id = c.order_id
)

select
    complaint_id, order_id, merchant_id, right_category, issue_code, status, substantiated,
    advance_compensation, compensation_amount, received_at, first_response_at, verified_at, resolved_at,
    escalated_at, received_month, resolved_month, fr_hit, fr_pending, is_quality, ver_hit, ver_pending,
    is_resolved, resolution_hours, is_escalated, punitive_amount, is_review_removal, is_privacy_incident
from flags
