{#- The KPI dictionary as published: one row per code, with the target in force (from vars).
    sort_order is published so reports and pages list KPIs in the dictionary's order without a copy
    of that order in Python (a new part of the dictionary, like privacy's, appears on its own). -#}
select
    kpi_code,
    name_zh,
    name_en,
    right_category,
    start_event,
    unit,
    target,
    target_operator,
    legal_basis_zh,
    legal_basis_en,
    definition_en,
    sort_order
from (
    select * from {{ ref('int_kpi__definitions') }}
    union all by name
    select * from {{ ref('int_kpi__privacy_definitions') }}
) as definitions
order by sort_order
