{#- The regulator report's topic sections: each topic's code, its titles and the KPI codes it lists, in
    one place. Published through rpt_kpi_definitions (report_topic, report_topic_zh, report_topic_en);
    reports build their topic sections from those columns, so moving a KPI to another section, or adding
    a section, is an edit here, not in Python. A KPI in no topic is in the headline table only. Topic
    sections appear in the order of their first KPI in the dictionary. -#}
{% macro kpi_report_topics() -%}
    {{- return([
        ('complaints', '投诉处理时效', 'Complaint-handling timeliness', [
            'complaint_first_response_24h_rate', 'complaint_verified_24h_rate',
            'complaint_resolution_median_hours', 'complaint_resolved_rate', 'complaint_escalation_rate',
            'complaints_per_1000_orders', 'advance_compensation_count', 'advance_compensation_amount',
            'punitive_damages_exposure']),
        ('refunds', '退款与七日无理由退货', 'Refunds and no-reason returns', [
            'nrr_refusal_rate', 'refund_within_7d_rate', 'refund_over_15d_count', 'refund_median_days']),
        ('price', '价格诚信', 'Price honesty', [
            'fake_original_price_rate', 'fake_original_price_count', 'late_shipment_rate', 'order_defect_rate']),
        ('qualification', '商家资质', 'Merchant qualification', [
            'expired_licence_order_count', 'invalid_licence_merchant_count', 'review_removal_count',
            'privacy_incident_count']),
    ]) -}}
{%- endmacro %}


{#- A VALUES relation (kpi_code, report_topic, report_topic_zh, report_topic_en) of kpi_report_topics(). -#}
{% macro kpi_report_topic_values() -%}
    (values
    {%- for topic, title_zh, title_en, codes in kpi_report_topics() %}
        {%- set outer = loop %}
        {%- for code in codes %}
        ('{{ code }}', '{{ topic }}', '{{ title_zh }}', '{{ title_en }}'){{ ',' if not (outer.last and loop.last) }}
        {%- endfor %}
    {%- endfor %}
    ) as report_topics (kpi_code, report_topic, report_topic_zh, report_topic_en)
{%- endmacro %}
