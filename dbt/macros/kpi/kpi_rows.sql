{#- One long-format KPI row per (month, merchant_id) row of `from_rel`.
    Every KPI model emits exactly these columns, so int_kpi__monthly can union them. -#}
{% macro kpi_row(code, from_rel, numerator, denominator='null', value=none, pending='0', unverifiable='0', kind='rate') -%}
select
    cast(month as date) as month,
    cast(merchant_id as string) as merchant_id,
    cast('{{ code }}' as string) as kpi_code,
    cast({{ numerator }} as double) as numerator,
    cast({{ denominator }} as bigint) as denominator,
    {%- if value is not none %}
    cast({{ value }} as double) as value,
    {%- elif kind == 'rate' %}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0) as value,
    {%- else %}
    cast({{ numerator }} as double) as value,
    {%- endif %}
    cast({{ pending }} as bigint) as pending_count,
    cast({{ unverifiable }} as bigint) as unverifiable_count
from {{ from_rel }}
{%- endmacro %}

{#- group a flag CTE by month for the platform (merchant_id NULL) and for each merchant -#}
{% macro kpi_group_by(month_col) -%}
group by grouping sets (({{ month_col }}), ({{ month_col }}, merchant_id))
{%- endmacro %}

{% macro kpi_merchant_key() -%}
case when grouping(merchant_id) = 1 then null else merchant_id end
{%- endmacro %}
