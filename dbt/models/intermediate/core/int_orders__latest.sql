-- The latest version of each order line (order_id, line_no) as of the cut-off.
with

versions as (

    select * from {{ ref('int_orders__versions_as_of') }}

),

ranked as (

    select
        versions.*,
        row_number() over (partition by order_id, line_no order by {{ rw_version_order() }}) as version_rank
    from versions

)

select * from ranked
where version_rank = 1
