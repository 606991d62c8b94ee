-- 个人信息权利请求 / Personal-information requests: the latest version of each request as of the cut-off.
with

latest as (

    select * from {{ ref('int_privacy_requests__latest') }}

)

select
    request_id,
    consumer_key,
    request_type,
    channel,
    received_at,
    completed_at,
    status,
    rejection_reason,
    updated_at,
    {{ rw_month_start('received_at') }} as received_month,
    {{ rw_days_between('received_at', 'completed_at') }} as handling_days,
    dq_flags,
    version_count
from latest
