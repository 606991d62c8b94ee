-- Substantiated complaints that are violations: counterfeit, data_leak (serious, 12), price_fraud,
-- fake_discount, review_removed (serious, 6), quality_defect / not_as_described (general, 2).
-- Dated on the local day the platform substantiated the complaint (violation-scoring.md 1.1: verified_at,
-- else resolved_at; a version with neither falls back to its version time): the point is recorded when
-- the platform established the facts, not when the consumer wrote.
-- Derived from every complaint version over the list days it was the version known (macro
-- rw_known_intervals), not from the current version: a list of a past day keeps a finding that a later
-- version reversed (complaint found unjustified after all), and the reversal ends it (superseded_on),
-- exactly as builds with those days as cut-off would show.
{%- set types = rw_score_complaint_types() %}

with

versions as (

    {{ rw_known_intervals(ref('int_complaints__versions_as_of'), ['complaint_id']) }}

),

complaints as (

    select * from versions
    where substantiated
      and issue_code in ({% for code in types %}'{{ code }}'{{ ', ' if not loop.last }}{% endfor %})

),

typed as (

    select
        complaints.*,
        case issue_code
        {%- for code, vtype in types.items() %}
            when '{{ code }}' then '{{ vtype }}'
        {%- endfor %}
        end as violation_type,
        {{ rw_local_date('coalesce(verified_at, resolved_at, updated_at)') }} as evidence_date
    from complaints

),

per_version as (

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
        cast(null as string) as refund_id,
        order_id,
        cast(null as bigint) as line_no,
        'substantiated complaint ' || complaint_id || ' (' || issue_code || ', ' || right_category || ')'
            || coalesce(' on order ' || order_id, '')
            || ', received ' || cast({{ rw_local_date('received_at') }} as string) as detail,
        cast(null as date) as stage_superseded_on,
        known_from,
        known_to
    from typed

),

evidence as (

    {{ rw_score_evidence_islands('per_version') }}

)

select * from evidence
