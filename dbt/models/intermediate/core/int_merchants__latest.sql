-- The latest version of each merchant as of the cut-off.
with

versions as (

    select * from {{ ref('int_merchants__versions_as_of') }}

),

ranked as (

    select
        versions.*,
        row_number() over (partition by merchant_id order by {{ rw_version_order() }}) as version_rank
    from versions

)

select * from ranked
where version_rank = 1
