{#- The three personal-information request KPIs per month of received_at, platform level only
    (merchant_id NULL: requests are made to the platform, not to a merchant). -#}
with flags as (
    select * from {{ ref('int_kpi__privacy_flags') }}
),

by_month as (
    select
        received_month as month,
        cast(null as string) as merchant_id,
        count(*) as requests,
        count(*) filter (where on_time) as on_time_num,
        count(*) filter (where not is_pending) as on_time_den,
        count(*) filter (where is_pending) as pending,
        count(*) filter (where is_deletion_overdue) as deletion_overdue,
        count(*) filter (where is_pending and request_type = 'deletion') as deletion_pending
    from flags
    group by received_month
)

{{ kpi_row('privacy_request_on_time_rate', 'by_month', 'on_time_num', 'on_time_den', pending='pending') }}
union all
{{ kpi_row('privacy_request_count', 'by_month', 'requests', kind='count') }}
union all
{{ kpi_row('privacy_deletion_overdue_count', 'by_month', 'deletion_overdue', pending='deletion_pending', kind='count') }}
