{#- The KPI dictionary (kpis.md, version 1) as data: one row per code, targets from vars.
    `kind` drives how an empty month is filled (rate: NULL value; count/amount: 0; median: NULL).
    Names that state a limit are rendered from the var in force (kpi_limit_text), in both languages;
    codes never change. -#}
{%- set first_response = kpi_limit_text(var('rw_first_response_hours')) -%}
{%- set verify = kpi_limit_text(var('rw_verify_hours')) -%}
{%- set nrr_zh = kpi_limit_text(var('rw_nrr_days'), chinese_numeral=true) -%}
{%- set nrr = kpi_limit_text(var('rw_nrr_days')) -%}
{%- set refund = kpi_limit_text(var('rw_refund_days')) -%}
{%- set penalty = kpi_limit_text(var('rw_refund_penalty_days')) -%}
{%- set defs = [
  ('complaint_first_response_24h_rate', '投诉' ~ first_response ~ '小时首次响应率', 'Complaint first response within ' ~ first_response ~ ' h rate', 'compensation', 'received_at', 'rate', 'rate', var('rw_first_response_target'), '>=',
   '消费者权益保护措施：24小时内核实并告知消费者；京东纠纷规则（商家24小时内回复）', 'Seed measure "verify within 24 h and notify the consumer"; JD dispute rules (merchant reply within 24 h)',
   'Complaints received in the month whose first_response_at - received_at <= rw_first_response_hours elapsed hours, over complaints received in the month less those still unanswered at the cut-off whose deadline has not passed (pending). Unanswered past the deadline = miss.'),
  ('complaint_verified_24h_rate', '质量类投诉' ~ verify ~ '小时核实率', 'Quality complaint verified within ' ~ verify ~ ' h rate', 'compensation', 'received_at', 'rate', 'rate', var('rw_verify_target'), '>=',
   '消费者权益保护措施4.2.1（平台24小时内核实质量投诉）——内部目标，未见国家规定', 'Seed measure 4.2.1 (platform verifies a quality complaint within 24 h) - an internal target, no national rule found',
   'Quality-type complaints (issue_code in rw_quality_issue_codes) received in the month with verified_at - received_at <= rw_verify_hours, over such complaints less pending (unverified, deadline not passed).'),
  ('complaint_resolution_median_hours', '投诉处理时长中位数（小时）', 'Median complaint resolution time (hours)', 'compensation', 'received_at', 'hours', 'median', var('rw_resolution_median_target_hours'), '<=',
   '管理目标', 'Management target',
   'Median of resolved_at - received_at in elapsed hours over complaints received in the month that are resolved (status resolved or rejected, resolved_at set) at the cut-off. denominator = number of such complaints; numerator is NULL.'),
  ('complaint_resolved_rate', '投诉办结率', 'Complaint resolved rate', 'compensation', 'received_at', 'rate', 'rate', var('rw_resolved_rate_target'), '>=',
   '《电子商务法》第五十九条（及时受理并处理投诉、举报）', 'E-Commerce Law Art. 59 (handle complaints and reports promptly)',
   'Complaints received in the month with status resolved or rejected at the cut-off, over all complaints received in the month (no pending exclusion: the dictionary names no deadline).'),
  ('complaint_escalation_rate', '投诉升级率', 'Complaint escalation rate', 'compensation', 'received_at', 'rate', 'rate', none, 'monitor',
   '《消费者权益保护法实施条例》第二十七条（监管部门分析投诉统计）', 'CPL Implementing Regulations Art. 27 (regulators analyse complaint statistics)',
   'Complaints received in the month with escalated_at set (at or before the cut-off) or status escalated, over all complaints received in the month.'),
  ('complaints_per_1000_orders', '每千订单投诉数', 'Complaints per 1,000 orders', 'compensation', 'received_at / ordered_at', 'per_1000_orders', 'rate', none, 'monitor',
   '—', '-',
   'numerator = complaints received in the month x 1000; denominator = distinct orders placed in the month (an order counts in the month of its earliest line ordered_at; per merchant: orders with a line of that merchant).'),
  ('advance_compensation_count', '先行赔付件数', 'Advance compensation count', 'compensation', 'resolved_at', 'count', 'count', none, 'monitor',
   '《消费者权益保护法》第四十四条；《电子商务法》第五十八条（先行赔付）', 'CPL Art. 44; E-Commerce Law Art. 58 (advance compensation)',
   'Complaints with advance_compensation true, counted in the month of resolved_at (complaints without resolved_at are not yet counted).'),
  ('advance_compensation_amount', '先行赔付金额', 'Advance compensation amount', 'compensation', 'resolved_at', 'CNY', 'amount', none, 'monitor',
   '《消费者权益保护法》第四十四条；《电子商务法》第五十八条（先行赔付）', 'CPL Art. 44; E-Commerce Law Art. 58 (advance compensation)',
   'Sum of compensation_amount (NULL = 0) of complaints with advance_compensation true, in the month of resolved_at.'),
  ('punitive_damages_exposure', '惩罚性赔偿风险敞口', 'Punitive damages exposure', 'compensation', 'received_at', 'CNY', 'amount', none, 'monitor',
   '《消费者权益保护法》第五十五条（价款三倍，不足五百元的为五百元）', 'CPL Art. 55 (three times the price, at least CNY 500)',
   'Sum over substantiated complaints received in the month with issue_code in rw_punitive_issue_codes of max(rw_punitive_multiplier x the order\'s paid amount, rw_punitive_minimum); paid amount = sum of quantity x unit_price over all lines of the complaint\'s order (0 when the complaint has no or an unknown order).'),
  ('nrr_refusal_rate', nrr_zh ~ '日无理由退货拒绝率', nrr ~ '-day no-reason return refusal rate', 'returns', 'requested_at', 'rate', 'rate', var('rw_nrr_refusal_target'), '=',
   '《消费者权益保护法》第二十五条；《网络购买商品七日无理由退货暂行办法》第六至七条', 'CPL Art. 25; Online Purchase 7-Day No-Reason Return Measures Arts. 6-7',
   'Eligible requests (reason no_reason_7day, line not nrr_exempt, delivered, requested on or before the rw_nrr_days-th local calendar day after the local day of delivery) with decision rejected, over eligible requests less pending (decision still pending: no decision deadline is defined, so an undecided request is never a refusal). A refund with line_no matches that line; without line_no it matches the order\'s lines and is eligible if any of them is.'),
  ('refund_within_7d_rate', '收到退货' ~ refund ~ '日内退款率', 'Refund within ' ~ refund ~ ' days of return receipt rate', 'returns', 'return_received_at', 'rate', 'rate', var('rw_refund_within_target'), '>=',
   '《消费者权益保护法》第二十五条（收到退回商品之日起七日内返还价款）', 'CPL Art. 25 (refund within 7 days of receiving the returned goods)',
   'Refunds with return_received_at in the month and refunded_at - return_received_at <= rw_refund_days x 24 elapsed hours, over refunds with return_received_at set less pending (unpaid, deadline not passed). Unpaid past the deadline (whatever the decision) = miss.'),
  ('refund_over_15d_count', '超' ~ penalty ~ '日未退款件数', 'Refunds later than ' ~ penalty ~ ' days', 'returns', 'return_received_at', 'count', 'count', var('rw_refund_over_15d_target'), '=',
   '《网络购买商品七日无理由退货暂行办法》第三十一条（超过十五日未退款的处罚）', '7-Day Measures Art. 31 (penalty past 15 days)',
   'Refunds with return_received_at in the month and refunded_at - return_received_at > rw_refund_penalty_days days, or still unpaid more than rw_refund_penalty_days days after receipt at the cut-off. pending_count = unpaid refunds still within the rw_refund_penalty_days days.'),
  ('refund_median_days', '退款时长中位数（天）', 'Median refund time (days)', 'returns', 'return_received_at', 'days', 'median', var('rw_refund_median_target_days'), '<=',
   '管理目标', 'Management target',
   'Median of refunded_at - return_received_at in elapsed days over refunds with both set, return_received_at in the month. denominator = number of such refunds.'),
  ('fake_original_price_rate', '虚构原价比例', 'Fake original price rate', 'fair_trade', 'ordered_at', 'rate', 'rate', var('rw_fake_original_price_target'), '=',
   '《明码标价和禁止价格欺诈规定》（2022）第十六条', 'Price Marking and Price Fraud Provisions (2022) Art. 16',
   'Order lines ordered in the month with a list_price and price-check verdict fake (list_price above the reference price), over lines with a list_price less the unverifiable ones (counted in unverifiable_count).'),
  ('fake_original_price_count', '虚构原价订单行数', 'Fake original price line count', 'fair_trade', 'ordered_at', 'count', 'count', var('rw_fake_original_price_target'), '=',
   '《明码标价和禁止价格欺诈规定》（2022）第十六条', 'Price Marking and Price Fraud Provisions (2022) Art. 16',
   'The same lines as fake_original_price_rate, counted; unverifiable_count as there.'),
  ('late_shipment_rate', '延迟发货率', 'Late shipment rate', 'fair_trade', 'promised_ship_by', 'rate', 'rate', var('rw_late_shipment_target'), '<',
   '亚马逊卖家绩效标准（延迟发货率 < 4%）', 'Amazon seller standard (late shipment < 4 %)',
   'Lines with promised_ship_by in the month (local) shipped after promised_ship_by, or not shipped and promised_ship_by before the cut-off; over lines with promised_ship_by, less cancelled lines (order_status cancelled) and less pending (not shipped, promised_ship_by not yet passed).'),
  ('order_defect_rate', '订单缺陷率', 'Order defect rate', 'fair_trade', 'ordered_at', 'rate', 'rate', var('rw_order_defect_target'), '<',
   '亚马逊卖家绩效标准（订单缺陷率 < 1%）', 'Amazon seller standard (order defect rate < 1 %)',
   'Distinct orders placed in the month with a substantiated complaint, or an approved refund with reason in rw_defect_refund_reasons (known at the cut-off, whenever received), over distinct orders placed in the month. Per merchant: the order\'s lines of that merchant, defects filed against that merchant.'),
  ('expired_licence_order_count', '执照过期期间订单行数', 'Order lines placed with an expired licence', 'information', 'ordered_at', 'count', 'count', var('rw_expired_licence_target'), '=',
   '《电子商务法》第十五条、第三十八条；《消费者权益保护法》第四十四条', 'E-Commerce Law Arts. 15, 38; CPL Art. 44',
   'Order lines ordered in the month whose merchant version in force at ordered_at (dim_merchants valid_from <= ordered_at < valid_to; the earliest version when the order predates every version) has license_expires_on before the local order date (empty = long-term licence, never expired).'),
  ('invalid_licence_merchant_count', '执照号无效商家数', 'Merchants with an invalid licence number', 'information', 'month end', 'count', 'count', var('rw_invalid_licence_target'), '=',
   '《电子商务法》第十五条（亮照经营）；GB 32100-2015', 'E-Commerce Law Art. 15; GB 32100-2015',
   'Merchants whose latest delivered version as of the month end (or the cut-off, if earlier) is operating (status in rw_operating_merchant_statuses) and whose business_license_no failed the GB 32100-2015 check: such versions never reach the merchant tables, they are quarantined with rule license_check_failed, so the latest version is taken over loaded and quarantined versions alike.'),
  ('review_removal_count', '删除评价投诉数', 'Substantiated review removal complaints', 'reviews', 'received_at', 'count', 'count', var('rw_review_removal_target'), '=',
   '《电子商务法》第三十九条（不得删除消费者评价）', 'E-Commerce Law Art. 39 (reviews must not be deleted)',
   'Substantiated complaints received in the month with issue_code review_removed.'),
  ('privacy_incident_count', '个人信息安全事件数', 'Substantiated privacy incidents', 'privacy', 'received_at', 'count', 'count', var('rw_privacy_incident_target'), '=',
   '《个人信息保护法》第五十七条', 'PIPL Art. 57',
   'Substantiated complaints received in the month with right_category privacy or issue_code data_leak.'),
] -%}

{%- for d in defs %}
select
    cast('{{ d[0] }}' as varchar) as kpi_code,
    cast('{{ d[1] }}' as varchar) as name_zh,
    cast('{{ d[2] }}' as varchar) as name_en,
    cast('{{ d[3] }}' as varchar) as right_category,
    cast('{{ d[4] }}' as varchar) as start_event,
    cast('{{ d[5] }}' as varchar) as unit,
    cast('{{ d[6] }}' as varchar) as kind,
    {%- if d[7] is none %}
    cast(null as double) as target,
    {%- else %}
    cast({{ d[7] }} as double) as target,
    {%- endif %}
    cast('{{ d[8] }}' as varchar) as target_operator,
    cast('{{ d[9] | replace("'", "''") }}' as varchar) as legal_basis_zh,
    cast('{{ d[10] | replace("'", "''") }}' as varchar) as legal_basis_en,
    cast('{{ d[11] | replace("'", "''") }}' as varchar) as definition_en,
    {{ loop.index }} as sort_order
{% if not loop.last %}union all{% endif %}
{%- endfor %}
