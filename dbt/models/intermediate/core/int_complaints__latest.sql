-- The latest version of each complaint as of the cut-off, with the number of distinct versions
-- (updated_at values) known at the cut-off.
with

versions as (

    select * from {{ ref('int_complaints__versions_as_of') }}

),

version_counts as (

    select complaint_id, count(distinct updated_at) as version_count
    from versions
    group by complaint_id

),

ranked as (

    select
        versions.*,
        row_number() over (partition by complaint_id order by {{ rw_version_order() }}) as version_rank
    from versions

)

select
    ranked.*,
    version_counts.version_count
from ranked
inner join version_counts
    on ranked.complaint_id = version_counts.complaint_id
where ranked.version_rank = 1
