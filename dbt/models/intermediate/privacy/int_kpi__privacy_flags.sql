{#- One row per personal-information request (as of the cut-off) with what each request KPI counts.
    A request is answered when its status is completed or rejected with completed_at set; it is on
    time when answered within rw_privacy_request_days (default 15) x 24 elapsed hours; unanswered
    and still inside the limit at the cut-off it is pending (out of the on-time denominator);
    unanswered past the limit it is a miss. A deletion request is overdue when answered late or
    unanswered past the limit (a rejection in time is an answer, not an overdue deletion). -#}
{%- set limit_hours = var('rw_privacy_request_days') * 24 -%}
with requests as (
    select * from {{ ref('int_privacy_requests__latest') }}
),

cutoff as (
    select cutoff_at from {{ ref('int_kpi__cutoff') }}
),

answered as (
    select
        r.request_id,
        r.request_type,
        r.channel,
        {{ rw_month_start('r.received_at') }} as received_month,
        case when r.status in ('completed', 'rejected') and r.completed_at <= c.cutoff_at
             then {{ kpi_hours_between('r.received_at', 'r.completed_at') }} end as answer_hours,
        {{ kpi_hours_between('r.received_at', 'c.cutoff_at') }} as open_hours
    from requests as r
    cross join cutoff as c
    where r.received_at <= c.cutoff_at
)

select
    request_id,
    request_type,
    channel,
    received_month,
    answer_hours,
    coalesce(answer_hours <= {{ limit_hours }}, false) as on_time,
    answer_hours is null and open_hours <= {{ limit_hours }} as is_pending,
    request_type = 'deletion'
        and coalesce(answer_hours > {{ limit_hours }}, open_hours > {{ limit_hours }}) as is_deletion_overdue
from answered
