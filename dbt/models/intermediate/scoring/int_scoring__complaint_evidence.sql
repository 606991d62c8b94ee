-- Substantiated complaints that are violations: counterfeit, data_leak (serious, 12), price_fraud,
-- fake_discount, review_removed (serious, 6), quality_defect / not_as_described (general, 2).
-- Dated on the day the complaint was substantiated (verified_at, else resolved_at, else the version
-- time): the point is recorded when the platform established the facts, not when the consumer wrote.
-- known_on: first delivery day of a version that says substantiated (a list before it cannot know).
{%- set types = rw_score_complaint_types() %}

with

complaints as (

    select * from {{ ref('fct_complaints') }}
    where substantiated
      and issue_code in ({% for code in types %}'{{ code }}'{{ ', ' if not loop.last }}{% endfor %})

),

known as (

    select complaint_id, min(delivery_date) as known_on
    from {{ ref('int_complaints__versions_as_of') }}
    where substantiated
    group by complaint_id

),

typed as (

    select
        complaints.*,
        case issue_code
        {%- for code, vtype in types.items() %}
            when '{{ code }}' then '{{ vtype }}'
        {%- endfor %}
        end as violation_type,
        {{ rw_local_date('coalesce(verified_at, resolved_at, updated_at)') }} as evidence_date,
        known.known_on
    from complaints
    left join known using (complaint_id)

)

select
    violation_type || ':' || complaint_id as evidence_id,
    merchant_id,
    evidence_date,
    violation_type,
    case
    {%- for vtype in types.values() | unique %}
        when violation_type = '{{ vtype }}' then '{{ rw_score_severity(vtype) }}'
    {%- endfor %}
    end as severity,
    case
    {%- for vtype in types.values() | unique %}
        when violation_type = '{{ vtype }}' then {{ rw_score_points(vtype) }}
    {%- endfor %}
    end as points,
    complaint_id,
    cast(null as varchar) as refund_id,
    order_id,
    cast(null as bigint) as line_no,
    'substantiated complaint ' || complaint_id || ' (' || issue_code || ', ' || right_category || ')'
        || coalesce(' on order ' || order_id, '')
        || ', received ' || cast({{ rw_local_date('received_at') }} as varchar) as detail,
    cast(null as date) as superseded_on,
    coalesce(known_on, evidence_date) as known_on
from typed
