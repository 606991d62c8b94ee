{#- The personal-information request KPIs of the dictionary (kpis.md 1.1), in the columns of
    int_kpi__definitions; unioned there by int_kpi__monthly and rpt_kpi_definitions. All three are
    platform-level only (platform_only). -#}
{%- set days = var('rw_privacy_request_days') -%}
{%- set defs = [
  ('privacy_request_on_time_rate', '个人信息权利请求按时处理率', 'Personal-information requests handled on time rate', 'privacy', 'received_at', 'rate', 'rate', var('rw_privacy_on_time_target'), '>=',
   '《个人信息保护法》第五十条（及时处理个人行使权利的申请）；GB/T 35273-2020 第8.7条（三十日内答复）；平台隐私政策承诺' ~ days ~ '日',
   'PIPL Art. 50 (handle requests promptly); GB/T 35273-2020 s. 8.7 (answer within 30 days); the ' ~ days ~ '-day limit platforms commit to in their privacy policies',
   'Requests received in the month (platform level) answered (status completed or rejected, completed_at set) within rw_privacy_request_days x 24 elapsed hours, over requests received in the month less pending (unanswered and still within the limit at the cut-off). Unanswered past the limit = miss.'),
  ('privacy_request_count', '个人信息权利请求数', 'Personal-information requests received', 'privacy', 'received_at', 'count', 'count', none, 'monitor',
   '《个人信息保护法》第四十四条至第四十七条', 'PIPL Arts. 44-47',
   'Requests received in the month (platform level); the report and dashboards break it down by request_type and channel.'),
  ('privacy_deletion_overdue_count', '逾期未处理删除请求数', 'Deletion requests overdue', 'privacy', 'received_at', 'count', 'count', var('rw_privacy_deletion_overdue_target'), '=',
   '《个人信息保护法》第四十七条', 'PIPL Art. 47',
   'Deletion requests received in the month (platform level) answered after rw_privacy_request_days days, or unanswered past that limit at the cut-off. pending_count = deletion requests still open inside the limit.'),
] -%}

{{ kpi_definition_rows(defs, first_sort_order=101) }}
