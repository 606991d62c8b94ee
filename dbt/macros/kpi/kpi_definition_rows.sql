{#- kpi_definition_rows(defs, first_sort_order=1): one select per KPI of a dictionary list (the tuples of
    int_kpi__definitions: code, name_zh, name_en, right, start event, unit, kind, target or none, operator,
    legal basis zh, legal basis en, definition), unioned, in the columns of int_kpi__definitions.
    sort_order counts on from first_sort_order, so further parts of the dictionary (the request KPIs)
    sort after it. One rendering for every part of the dictionary. -#}
{% macro kpi_definition_rows(defs, first_sort_order=1) -%}
{%- for d in defs %}
select
    cast('{{ d[0] }}' as string) as kpi_code,
    cast('{{ d[1] }}' as string) as name_zh,
    cast('{{ d[2] }}' as string) as name_en,
    cast('{{ d[3] }}' as string) as right_category,
    cast('{{ d[4] }}' as string) as start_event,
    cast('{{ d[5] }}' as string) as unit,
    cast('{{ d[6] }}' as string) as kind,
    {%- if d[7] is none %}
    cast(null as double) as target,
    {%- else %}
    cast({{ d[7] }} as double) as target,
    {%- endif %}
    cast('{{ d[8] }}' as string) as target_operator,
    cast('{{ d[9] | replace("'", "''") }}' as string) as legal_basis_zh,
    cast('{{ d[10] | replace("'", "''") }}' as string) as legal_basis_en,
    cast('{{ d[11] | replace("'", "''") }}' as string) as definition_en,
    {{ first_sort_order + loop.index0 }} as sort_order
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endmacro %}
