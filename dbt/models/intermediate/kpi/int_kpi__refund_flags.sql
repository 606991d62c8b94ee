{#- One row per refund request made at or before the cut-off (fct_refunds: its latest version as of the
    cut-off) with what the refund KPIs count, including the 7-day no-reason eligibility from the order
    line(s) the request is about (fct_order_lines). An event timestamp later than the cut-off counts as
    not yet happened. Durations are elapsed days; exactly the limit counts as within. -#}
{%- set within_d = var('rw_refund_days') -%}
{%- set penalty_d = var('rw_refund_penalty_days') -%}
with cutoff as (
    select cutoff_at from {{ ref('int_kpi__cutoff') }}
),

refunds as (
    select
        r.refund_id,
        r.order_id,
        r.line_no,
        r.merchant_id,
        r.reason,
        r.decision,
        r.requested_at,
        case when r.return_received_at <= k.cutoff_at then r.return_received_at end as return_received_at,
        case when r.refunded_at <= k.cutoff_at then r.refunded_at end as refunded_at,
        k.cutoff_at
    from {{ ref('int_refunds__latest') }} as r
    cross join cutoff as k
    where r.requested_at <= k.cutoff_at
),

-- A request names its line (order_id + line_no); without line_no it is about the whole order and
-- matches each of its lines. It is eligible for the no-reason return when a matched line is not
-- exempt, was delivered, and the request came on or before the rw_nrr_days-th local calendar day
-- after the local day of delivery.
-- The join is on order_id alone and the line is matched in the aggregate's filter: with the line test
-- (`r.line_no is null or l.line_no = r.line_no`) in the join condition DuckDB planned a block-wise
-- nested-loop join of every request with every order line (134 s at 1 M lines); the result is the same.
nrr_eligibility as (
    select
        r.refund_id,
        coalesce(bool_or(
            not coalesce(l.nrr_exempt, false)
            and l.delivered_at is not null
            and l.delivered_at <= r.cutoff_at
            and {{ kpi_local_date('r.requested_at') }}
                <= {{ kpi_local_date('l.delivered_at') }} + {{ var('rw_nrr_days') }}
        ) filter (where r.line_no is null or l.line_no = r.line_no), false) as is_eligible
    from refunds as r
    left join {{ ref('int_orders__latest') }} as l
        on l.order_id = r.order_id
    where r.reason = 'no_reason_7day'
    group by r.refund_id
),

flags as (
    select
        r.*,
        {{ kpi_month('r.requested_at') }} as requested_month,
        {{ kpi_month('r.return_received_at') }} as received_month,
        coalesce(e.is_eligible, false) as nrr_eligible,
        {{ kpi_days_between('r.return_received_at', 'r.refunded_at') }} as refund_days,
        {{ kpi_days_between('r.return_received_at', 'r.cutoff_at') }} as waiting_days
    from refunds as r
    left join nrr_eligibility as e on e.refund_id = r.refund_id
)

select
    refund_id, order_id, line_no, merchant_id, reason, decision, requested_at, return_received_at,
    refunded_at, requested_month, received_month, nrr_eligible, refund_days, waiting_days,
    -- refund_within_7d_rate / refund_over_15d_count (FALSE when the goods were not received back)
    coalesce(refunded_at is not null and refund_days <= {{ within_d }}, false) as within_hit,
    coalesce(refunded_at is null and waiting_days <= {{ within_d }}, false) as within_pending,
    coalesce((refunded_at is not null and refund_days > {{ penalty_d }})
             or (refunded_at is null and waiting_days > {{ penalty_d }}), false) as over_penalty,
    coalesce(refunded_at is null and waiting_days <= {{ penalty_d }}, false) as penalty_pending
from flags
