-- The per-type breakdown adds up to the published request KPIs, month by month.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_privacy_requests_monthly'}}}) }}
with breakdown as (
    select month, sum(requests) as requests, sum(answered_on_time) as on_time,
           sum(requests) - sum(pending) as decided, sum(deletion_overdue) as deletion_overdue
    from {{ ref('rpt_privacy_requests_monthly') }}
    group by month
),

kpis as (
    select month,
           max(numerator) filter (where kpi_code = 'privacy_request_count') as requests,
           max(numerator) filter (where kpi_code = 'privacy_request_on_time_rate') as on_time,
           max(denominator) filter (where kpi_code = 'privacy_request_on_time_rate') as decided,
           max(numerator) filter (where kpi_code = 'privacy_deletion_overdue_count') as deletion_overdue
    from {{ ref('rpt_kpi_monthly') }}
    where merchant_id is null
    group by month
)

select b.*, k.requests as kpi_requests, k.on_time as kpi_on_time, k.decided as kpi_decided,
       k.deletion_overdue as kpi_deletion_overdue
from breakdown as b
left join kpis as k using (month)
where k.month is null
   or b.requests <> k.requests or b.on_time <> k.on_time or b.decided <> k.decided
   or b.deletion_overdue <> k.deletion_overdue
