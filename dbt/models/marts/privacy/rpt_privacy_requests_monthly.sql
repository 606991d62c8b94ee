-- 个人信息权利请求月度明细 / Personal-information requests per month, request type and channel, with the
-- same on-time / pending / overdue judgement as the request KPIs (int_kpi__privacy_flags), so the
-- breakdown the report and dashboard show always adds up to the published KPI figures.
with flags as (

    select * from {{ ref('int_kpi__privacy_flags') }}

)

select
    cast(received_month as date) as month,
    cast(request_type as string) as request_type,
    cast(channel as string) as channel,
    cast(count(*) as bigint) as requests,
    cast(count(*) filter (where on_time) as bigint) as answered_on_time,
    cast(count(*) filter (where not on_time and not is_pending and answer_hours is not null) as bigint) as answered_late,
    cast(count(*) filter (where is_pending) as bigint) as pending,
    cast(count(*) filter (where answer_hours is null and not is_pending) as bigint) as open_overdue,
    cast(count(*) filter (where is_deletion_overdue) as bigint) as deletion_overdue
from flags
group by all
