{#- The configuration in force for this build of the KPI marts: every var the KPI layer reads, its
    value as text (JSON for lists), and what it applies to. rw_cutoff shows the cut-off actually used. -#}
{%- set rows = [
  ('rw_reporting_tz', var('rw_reporting_tz'), 'all KPIs: months and local days'),
  ('rw_landing_tz', rw_landing_tz(), 'invalid_licence_merchant_count: quarantined timestamps without offset'),
  ('rw_first_response_hours', var('rw_first_response_hours'), 'complaint_first_response_24h_rate'),
  ('rw_first_response_target', var('rw_first_response_target'), 'complaint_first_response_24h_rate'),
  ('rw_verify_hours', var('rw_verify_hours'), 'complaint_verified_24h_rate'),
  ('rw_verify_target', var('rw_verify_target'), 'complaint_verified_24h_rate'),
  ('rw_quality_issue_codes', var('rw_quality_issue_codes'), 'complaint_verified_24h_rate'),
  ('rw_resolution_median_target_hours', var('rw_resolution_median_target_hours'), 'complaint_resolution_median_hours'),
  ('rw_resolved_rate_target', var('rw_resolved_rate_target'), 'complaint_resolved_rate'),
  ('rw_punitive_multiplier', var('rw_punitive_multiplier'), 'punitive_damages_exposure'),
  ('rw_punitive_minimum', var('rw_punitive_minimum'), 'punitive_damages_exposure'),
  ('rw_punitive_issue_codes', var('rw_punitive_issue_codes'), 'punitive_damages_exposure'),
  ('rw_nrr_days', var('rw_nrr_days'), 'nrr_refusal_rate'),
  ('rw_nrr_refusal_target', var('rw_nrr_refusal_target'), 'nrr_refusal_rate'),
  ('rw_refund_days', var('rw_refund_days'), 'refund_within_7d_rate'),
  ('rw_refund_within_target', var('rw_refund_within_target'), 'refund_within_7d_rate'),
  ('rw_refund_penalty_days', var('rw_refund_penalty_days'), 'refund_over_15d_count'),
  ('rw_refund_over_15d_target', var('rw_refund_over_15d_target'), 'refund_over_15d_count'),
  ('rw_refund_median_target_days', var('rw_refund_median_target_days'), 'refund_median_days'),
  ('rw_reference_price_days', var('rw_reference_price_days'), 'fake_original_price_rate, fake_original_price_count (via fct_price_checks)'),
  ('rw_fake_original_price_target', var('rw_fake_original_price_target'), 'fake_original_price_rate, fake_original_price_count'),
  ('rw_late_shipment_target', var('rw_late_shipment_target'), 'late_shipment_rate'),
  ('rw_order_defect_target', var('rw_order_defect_target'), 'order_defect_rate'),
  ('rw_defect_refund_reasons', var('rw_defect_refund_reasons'), 'order_defect_rate'),
  ('rw_expired_licence_target', var('rw_expired_licence_target'), 'expired_licence_order_count'),
  ('rw_invalid_licence_target', var('rw_invalid_licence_target'), 'invalid_licence_merchant_count'),
  ('rw_operating_merchant_statuses', var('rw_operating_merchant_statuses'), 'invalid_licence_merchant_count'),
  ('rw_review_removal_target', var('rw_review_removal_target'), 'review_removal_count'),
  ('rw_privacy_incident_target', var('rw_privacy_incident_target'), 'privacy_incident_count'),
  ('rw_privacy_request_days', var('rw_privacy_request_days'), 'privacy_request_on_time_rate, privacy_deletion_overdue_count'),
  ('rw_privacy_on_time_target', var('rw_privacy_on_time_target'), 'privacy_request_on_time_rate'),
  ('rw_privacy_deletion_overdue_target', var('rw_privacy_deletion_overdue_target'), 'privacy_deletion_overdue_count'),
] -%}
with config as (
    {%- for name, value, applies in rows %}
    select cast('{{ name }}' as string) as var_name,
           cast('{{ (value if value is string else tojson(value)) | replace("'", "''") }}' as string) as value,
           cast('{{ applies }}' as string) as applies_to,
           {{ loop.index }} as sort_order
    union all
    {%- endfor %}
    select cast('rw_cutoff' as string) as var_name,
           cast(case when k.is_explicit then {{ rw_format_ts('k.cutoff_local', '%Y-%m-%d %H:%M:%S') }}
                     else 'null (end of the latest delivery day loaded: '
                          || {{ rw_format_ts('k.cutoff_local', '%Y-%m-%d %H:%M:%S') }} || ' local)' end as string) as value,
           cast('all KPIs: the cut-off (local time); cutoff_at = ' || {{ rw_format_ts('k.cutoff_at', '%Y-%m-%d %H:%M:%S') }} || ' UTC' as string) as applies_to,
           0 as sort_order
    from {{ ref('int_kpi__cutoff') }} as k
)
select var_name, value, applies_to
from config
order by sort_order
