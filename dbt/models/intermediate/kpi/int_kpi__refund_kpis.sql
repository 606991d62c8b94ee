{#- Returns and refunds KPIs per month (nrr: of requested_at; the others: of return_received_at), for
    the platform (merchant_id NULL) and each merchant, from int_kpi__refund_flags. -#}
with flags as (
    select * from {{ ref('int_kpi__refund_flags') }}
),

by_requested as (
    select
        requested_month as month,
        {{ kpi_merchant_key() }} as merchant_id,
        count(*) filter (where nrr_eligible and decision = 'rejected') as nrr_num,
        count(*) filter (where nrr_eligible and decision <> 'pending') as nrr_den,
        count(*) filter (where nrr_eligible and decision = 'pending') as nrr_pending
    from flags
    {{ kpi_group_by('requested_month') }}
),

by_received as (
    select
        received_month as month,
        {{ kpi_merchant_key() }} as merchant_id,
        count(*) filter (where within_hit) as within_num,
        count(*) filter (where not within_pending) as within_den,
        count(*) filter (where within_pending) as within_pending,
        count(*) filter (where over_penalty) as over_num,
        count(*) filter (where penalty_pending) as over_pending,
        {{ kpi_median('refund_days') }} as median_days,
        count(refund_days) as median_n
    from flags
    where return_received_at is not null
    {{ kpi_group_by('received_month') }}
)

{{ kpi_row('nrr_refusal_rate', 'by_requested', 'nrr_num', 'nrr_den', pending='nrr_pending') }}
union all
{{ kpi_row('refund_within_7d_rate', 'by_received', 'within_num', 'within_den', pending='within_pending') }}
union all
{{ kpi_row('refund_over_15d_count', 'by_received', 'over_num', pending='over_pending', kind='count') }}
union all
{{ kpi_row('refund_median_days', 'by_received', 'null', 'median_n', value='median_days') }}
