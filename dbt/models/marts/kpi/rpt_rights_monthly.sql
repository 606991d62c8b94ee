{#- Per reporting month and consumer right (complaints.right_category): complaints received, the share
    substantiated, the share resolved (status resolved or rejected), the median resolution hours and the
    month-on-month change of the complaint count. Every right appears every month (0 complaints: shares
    and median NULL). -#}
with cutoff as (
    select cutoff_at from {{ ref('int_kpi__cutoff') }}
),

rights as (
    select right_category from (values ('information'), ('choice'), ('fair_trade'), ('safety'), ('privacy'), ('returns'), ('reviews'), ('compensation')) as rights(right_category)
),

complaints as (
    select
        {{ kpi_month('c.received_at') }} as month,
        c.right_category,
        coalesce(c.substantiated, false) as substantiated,
        c.status in ('resolved', 'rejected') as is_resolved,
        case when c.status in ('resolved', 'rejected') and c.resolved_at <= k.cutoff_at
             then {{ kpi_hours_between('c.received_at', 'c.resolved_at') }} end as resolution_hours
    from {{ ref('fct_complaints') }} as c
    cross join cutoff as k
    where c.received_at <= k.cutoff_at
),

per_month as (
    select
        month,
        right_category,
        count(*) as complaints,
        count(*) filter (where substantiated) as substantiated,
        count(*) filter (where is_resolved) as resolved,
        {{ kpi_median('resolution_hours') }} as median_resolution_hours
    from complaints
    group by month, right_category
),

grid as (
    select m.month, r.right_category,
           coalesce(p.complaints, 0) as complaints,
           p.substantiated, p.resolved, p.median_resolution_hours
    from {{ ref('int_kpi__months') }} as m
    cross join rights as r
    left join per_month as p on p.month = m.month and p.right_category = r.right_category
)

select
    cast(g.month as date) as month,
    cast(g.right_category as string) as right_category,
    cast(g.complaints as bigint) as complaints,
    cast(g.substantiated as double) / nullif(g.complaints, 0) as substantiated_share,
    cast(g.resolved as double) / nullif(g.complaints, 0) as resolved_share,
    cast(g.median_resolution_hours as double) as median_resolution_hours,
    cast((g.complaints - prev.complaints) as double) / nullif(prev.complaints, 0) as complaints_mom_change
from grid as g
left join grid as prev
    on prev.right_category = g.right_category
   and prev.month = cast(g.month - interval 1 month as date)
