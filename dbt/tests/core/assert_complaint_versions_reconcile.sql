-- Reconciliation: every complaint known at the cut-off appears once in fct_complaints, and
-- version_count equals its distinct versions (updated_at values) known at the cut-off.
{{ config(meta={'dagster': {'ref': {'name': 'fct_complaints'}}}) }}
with

known as (

    select complaint_id, count(distinct updated_at) as versions
    from {{ ref('int_complaints__versions_as_of') }}
    group by complaint_id

)

select known.complaint_id, known.versions, published.version_count
from known
full outer join {{ ref('fct_complaints') }} as published
    on published.complaint_id = known.complaint_id
where known.complaint_id is null
   or published.complaint_id is null
   or published.version_count <> known.versions
