-- Rates are fractions in [0, 1] (kpis.md conventions); complaints_per_1000_orders is per mille, not a rate.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_kpi_monthly'}}}) }}
select m.*
from {{ ref('rpt_kpi_monthly') }} as m
join {{ ref('rpt_kpi_definitions') }} as d on d.kpi_code = m.kpi_code
where d.unit = 'rate' and (m.value < 0 or m.value > 1)
