{#- The KPI dictionary as published: one row per code, with the target in force (from vars).
    sort_order is published so reports and pages list KPIs in the dictionary's order without a copy
    of that order in Python (a new part of the dictionary, like privacy's, appears on its own).
    report_topic (seed kpi_report_topics) names the report section that lists the KPI, with the
    section's titles (seed report_topics): reports read them instead of a Python list of codes. -#}
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
    topics.report_topic,
    titles.title_zh as report_topic_zh,
    titles.title_en as report_topic_en
from (
    select * from {{ ref('int_kpi__definitions') }}
    union all by name
    select * from {{ ref('int_kpi__privacy_definitions') }}
) as definitions
left join {{ ref('kpi_report_topics') }} as topics using (kpi_code)
left join {{ ref('report_topics') }} as titles using (report_topic)
order by sort_order
