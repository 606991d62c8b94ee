-- The overview's month × KPI breach grid, aggregated once per publication instead of reshaped in pandas
-- on every rerun of every session. One row per month, KPI and scope, where scope is what the overview's
-- scope picker offers: '__platform__' (the platform row), '__all__' (every merchant together) or a
-- merchant id. A cell is 'monitor' when no row of the scope was assessed (breached NULL: no target or a
-- zero denominator), 'breached' when any assessed row breached, else 'met'.
with kpi as (
    select month, merchant_id, kpi_code, breached
    from {{ ref('rpt_kpi_monthly') }}
),

scoped as (
    select month, kpi_code, coalesce(merchant_id, '__platform__') as scope, breached from kpi
    union all
    select month, kpi_code, '__all__' as scope, breached from kpi where merchant_id is not null
),

counted as (
    select
        month,
        kpi_code,
        scope,
        cast(count(breached) as bigint) as assessed,
        cast(count(*) filter (where breached) as bigint) as breached
    from scoped
    group by month, kpi_code, scope
)

select
    month,
    kpi_code,
    scope,
    assessed,
    breached,
    case when assessed = 0 then 'monitor' when breached > 0 then 'breached' else 'met' end as state
from counted
