-- Every KPI code a report topic lists (macro kpi_report_topics) is in the published dictionary: a typo
-- or a retired code would silently drop the KPI from its report section.
select report_topics.kpi_code, report_topics.report_topic
from {{ kpi_report_topic_values() }}
left join {{ ref('rpt_kpi_definitions') }} as definitions using (kpi_code)
where definitions.kpi_code is null
