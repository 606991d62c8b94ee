{#- The order-defect and late-shipment rules (kpis.md order_defect_rate, late_shipment_rate), stated once
    and shared by the monthly KPIs (int_kpi__order_kpis) and the scoring's 90-day rate windows
    (int_scoring__rate_windows), so a change of definition reaches both. -#}

{#- A complaint that makes its order defective: substantiated, on a named order. -#}
{% macro rw_is_defect_complaint(substantiated='substantiated', order_id='order_id') -%}
    ({{ substantiated }} and {{ order_id }} is not null)
{%- endmacro %}


{#- A refund that makes its order defective: approved, with a reason in var rw_defect_refund_reasons. -#}
{% macro rw_is_defect_refund(decision='decision', reason='reason') -%}
    ({{ decision }} = 'approved' and {{ reason }} in {{ kpi_in_list('rw_defect_refund_reasons') }})
{%- endmacro %}


{#- An order line that counts for the late-shipment rate: it has a promised_ship_by and is not cancelled. -#}
{% macro rw_counts_for_shipping(promised_ship_by='promised_ship_by', order_status='order_status') -%}
    ({{ promised_ship_by }} is not null and {{ order_status }} <> 'cancelled')
{%- endmacro %}


{#- A late line: shipped after promised_ship_by, or not shipped and past it at `as_of` (a UTC timestamp).
    Without as_of the deadline is taken as passed (a window judged after every deadline in it). -#}
{% macro rw_is_late_shipment(shipped_at='shipped_at', promised_ship_by='promised_ship_by', as_of=none) -%}
    {%- if as_of is none -%}
    ({{ shipped_at }} is null or {{ shipped_at }} > {{ promised_ship_by }})
    {%- else -%}
    (({{ shipped_at }} is not null and {{ shipped_at }} > {{ promised_ship_by }})
     or ({{ shipped_at }} is null and {{ promised_ship_by }} < {{ as_of }}))
    {%- endif -%}
{%- endmacro %}
