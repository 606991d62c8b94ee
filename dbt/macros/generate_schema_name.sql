{#- Use the configured schema names literally (staging, intermediate, marts), so analysts and the
    dashboards always find the published tables in schema `marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
