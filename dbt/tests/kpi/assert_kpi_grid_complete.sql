-- Every code of the dictionary, every month, for the platform and for every merchant that has a row
-- (the platform-level-only request KPIs: for the platform alone).
{{ config(meta={'dagster': {'ref': {'name': 'rpt_kpi_monthly'}}}) }}
with entities as (
    select distinct month, merchant_id from {{ ref('rpt_kpi_monthly') }}
),
expected as (
    select e.month, e.merchant_id, d.kpi_code
    from entities as e
    cross join {{ ref('rpt_kpi_definitions') }} as d
    where e.merchant_id is null
       or d.kpi_code not in (select kpi_code from {{ ref('int_kpi__privacy_definitions') }})
)
select x.*
from expected as x
left join {{ ref('rpt_kpi_monthly') }} as m
    on m.month = x.month and m.merchant_id is not distinct from x.merchant_id and m.kpi_code = x.kpi_code
where m.kpi_code is null
union all
-- and the platform exists in every month that has any row
select distinct month, null, 'platform row missing'
from {{ ref('rpt_kpi_monthly') }}
where month not in (select month from {{ ref('rpt_kpi_monthly') }} where merchant_id is null)
