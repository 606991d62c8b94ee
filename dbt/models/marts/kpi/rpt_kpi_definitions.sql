{#- The KPI dictionary as published: one row per code, with the target in force (from vars).
    sort_order is published so reports and pages list KPIs in the dictionary's order without a copy
    of that order in Python (a new part of the dictionary, like privacy's, appears on its own).
    report_topic (macro kpi_report_topics) names the report section that lists the KPI, with the
    section's titles: reports read them instead of a Python list of codes. -#}
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
    sort_order,
    report_topics.report_topic,
    report_topics.report_topic_zh,
    report_topics.report_topic_en
{%- set columns = ['kpi_code', 'name_zh', 'name_en', 'right_category', 'start_event', 'unit', 'target',
                   'target_operator', 'legal_basis_zh', 'legal_basis_en', 'definition_en', 'sort_order'] %}
from (
    select {{ columns | join(', ') }} from {{ ref('int_kpi__definitions') }}
    union all
    select {{ columns | join(', ') }} from {{ ref('int_kpi__privacy_definitions') }}
) as definitions
left join {{ kpi_report_topic_values() }} using (kpi_code)
order by sort_order
