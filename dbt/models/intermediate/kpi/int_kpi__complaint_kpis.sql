{#- Complaint-handling KPIs per month (of received_at; advance compensation: of resolved_at), for the
    platform (merchant_id NULL) and each merchant, from int_kpi__complaint_flags. -#}
with flags as (
    select * from {{ ref('int_kpi__complaint_flags') }}
),

by_received as (
    select
        received_month as month,
        {{ kpi_merchant_key() }} as merchant_id,
        count(*) as complaints,
        count(*) filter (where fr_hit) as fr_num,
        count(*) filter (where not fr_pending) as fr_den,
        count(*) filter (where fr_pending) as fr_pending,
        count(*) filter (where is_quality and ver_hit) as ver_num,
        count(*) filter (where is_quality and not ver_pending) as ver_den,
        count(*) filter (where is_quality and ver_pending) as ver_pending,
        {{ kpi_median('resolution_hours') }} as resolution_median,
        count(resolution_hours) as resolution_n,
        count(*) filter (where is_resolved) as resolved,
        count(*) filter (where is_escalated) as escalated,
        coalesce(sum(punitive_amount), 0) as punitive_amount,
        count(*) filter (where is_review_removal) as review_removals,
        count(*) filter (where is_privacy_incident) as privacy_incidents
    from flags
    {{ kpi_group_by('received_month') }}
),

by_resolved as (
    select
        resolved_month as month,
        {{ kpi_merchant_key() }} as merchant_id,
        count(*) as advance_count,
        sum(compensation_amount) as advance_amount
    from flags
    where advance_compensation and resolved_at is not null
    {{ kpi_group_by('resolved_month') }}
)

{{ kpi_row('complaint_first_response_24h_rate', 'by_received', 'fr_num', 'fr_den', pending='fr_pending') }}
union all
{{ kpi_row('complaint_verified_24h_rate', 'by_received', 'ver_num', 'ver_den', pending='ver_pending') }}
union all
{{ kpi_row('complaint_resolution_median_hours', 'by_received', 'null', 'resolution_n', value='resolution_median') }}
union all
{{ kpi_row('complaint_resolved_rate', 'by_received', 'resolved', 'complaints') }}
union all
{{ kpi_row('complaint_escalation_rate', 'by_received', 'escalated', 'complaints') }}
union all
{{ kpi_row('punitive_damages_exposure', 'by_received', 'punitive_amount', kind='amount') }}
union all
{{ kpi_row('review_removal_count', 'by_received', 'review_removals', kind='count') }}
union all
{{ kpi_row('privacy_incident_count', 'by_received', 'privacy_incidents', kind='count') }}
union all
{{ kpi_row('advance_compensation_count', 'by_resolved', 'advance_count', kind='count') }}
union all
{{ kpi_row('advance_compensation_amount', 'by_resolved', 'advance_amount', kind='amount') }}
