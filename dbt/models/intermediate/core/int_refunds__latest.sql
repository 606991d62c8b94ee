-- The latest version of each refund request as of the cut-off.
with

versions as (

    select * from {{ ref('int_refunds__versions_as_of') }}

),

ranked as (

    select
        versions.*,
        row_number() over (partition by refund_id order by {{ rw_version_order() }}) as version_rank
    from versions

)

select * from ranked
where version_rank = 1
