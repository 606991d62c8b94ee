-- The latest version of each personal-information request as of the cut-off, with how many versions
-- were known by then.
with

versions as (

    select * from {{ ref('int_privacy_requests__versions_as_of') }}

),

ranked as (

    select
        versions.*,
        count(*) over (partition by request_id) as version_count,
        row_number() over (partition by request_id order by {{ rw_version_order() }}) as version_rank
    from versions

)

select * from ranked
where version_rank = 1
