{{ config(materialized='table') }}
{#- Every KPI of the dictionary for every reporting month, for the platform (merchant_id NULL) and for
    each merchant (known in dim_merchants or named by a record): the KPI models' rows on a dense grid,
    empty cells filled by kind (rate/median: zero denominator and NULL value; count/amount: 0), with
    the target in force and whether it is breached. -#}
with kpi_rows as (
    select * from {{ ref('int_kpi__complaint_kpis') }}
    union all
    select * from {{ ref('int_kpi__refund_kpis') }}
    union all
    select * from {{ ref('int_kpi__order_kpis') }}
    union all
    select * from {{ ref('int_kpi__licence_kpis') }}
    union all
    select * from {{ ref('int_kpi__privacy_kpis') }}
),

definitions as (
    select kpi_code, kind, target, target_operator, false as platform_only from {{ ref('int_kpi__definitions') }}
    union all
    select kpi_code, kind, target, target_operator, true as platform_only from {{ ref('int_kpi__privacy_definitions') }}
),

entities as (
    select cast(null as string) as merchant_id
    union
    select merchant_id from {{ ref('int_merchants__history') }}
    union
    select merchant_id from kpi_rows where merchant_id is not null
),

grid as (
    select m.month, e.merchant_id, d.kpi_code, d.kind, d.target, d.target_operator
    from {{ ref('int_kpi__months') }} as m
    cross join entities as e
    cross join definitions as d
    where e.merchant_id is null or not d.platform_only
),

filled as (
    select
        g.month,
        g.merchant_id,
        g.kpi_code,
        case when r.kpi_code is not null then r.numerator
             when g.kind = 'median' then null
             else 0 end as numerator,
        case when r.kpi_code is not null then r.denominator
             when g.kind in ('rate', 'median') then 0
             end as denominator,
        case when r.kpi_code is not null then r.value
             when g.kind in ('count', 'amount') then 0
             end as value,
        g.target,
        g.target_operator,
        coalesce(r.pending_count, 0) as pending_count,
        coalesce(r.unverifiable_count, 0) as unverifiable_count
    from grid as g
    left join kpi_rows as r
        on r.month = g.month
       and r.merchant_id is not distinct from g.merchant_id
       and r.kpi_code = g.kpi_code
)

select
    cast(f.month as date) as month,
    cast(f.merchant_id as string) as merchant_id,
    cast(f.kpi_code as string) as kpi_code,
    cast(f.numerator as double) as numerator,
    cast(f.denominator as bigint) as denominator,
    cast(f.value as double) as value,
    cast(f.target as double) as target,
    cast(f.target_operator as string) as target_operator,
    cast(case
        when f.value is null or f.target_operator = 'monitor' or f.target is null then null
        when f.target_operator = '>=' then f.value < f.target
        when f.target_operator = '<=' then f.value > f.target
        when f.target_operator = '<' then f.value >= f.target
        when f.target_operator = '=' then f.value <> f.target
    end as boolean) as breached,
    cast(f.pending_count as bigint) as pending_count,
    cast(f.unverifiable_count as bigint) as unverifiable_count,
    cast(k.cutoff_at as timestamp) as cutoff_at
from filled as f
cross join {{ ref('int_kpi__cutoff') }} as k
