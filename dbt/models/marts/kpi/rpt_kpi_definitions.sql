{#- The KPI dictionary as published: one row per code, with the target in force (from vars). -#}
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
    definition_en
from (
    select * from {{ ref('int_kpi__definitions') }}
    union all by name
    select * from {{ ref('int_kpi__privacy_definitions') }}
) as definitions
order by sort_order
