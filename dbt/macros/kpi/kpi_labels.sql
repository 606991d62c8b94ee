{#- A limit as a KPI name states it: the value of the var in force, so a name never says 24 h when
    the figure was computed with RW_CONFIG's 12 h. 12 -> "12", 12.0 -> "12", 1.5 -> "1.5";
    chinese_numeral writes 1-10 as 一..十 (the law's "七日无理由退货"). Plain Jinja only: the docs
    renderer (dagster_project/cli/docs_render.py) loads this file to name the defaults in docs/kpis.md. -#}
{% macro kpi_limit_text(value, chinese_numeral=false) -%}
    {%- set number = value | float -%}
    {%- set whole = number == (number | int) -%}
    {%- if chinese_numeral and whole and 1 <= number <= 10 -%}
        {{- '一二三四五六七八九十'[(number | int) - 1] -}}
    {%- elif whole -%}
        {{- number | int -}}
    {%- else -%}
        {{- number -}}
    {%- endif -%}
{%- endmacro %}
