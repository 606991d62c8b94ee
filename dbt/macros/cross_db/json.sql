{#- JSON building. -#}

{# rw_json_object(pairs): JSON object from a dict {'key': sql_expression, ...} (keys in the given order). #}
{% macro rw_json_object(pairs) -%}
    {{- return(adapter.dispatch('rw_json_object', 'rightswatch')(pairs)) -}}
{%- endmacro %}

{% macro default__rw_json_object(pairs) -%}
    json_build_object({% for key, value in pairs.items() %}'{{ key }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro duckdb__rw_json_object(pairs) -%}
    cast(json_object({% for key, value in pairs.items() %}'{{ key }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor %}) as string)
{%- endmacro %}


{# rw_json_object_agg(key_expr, value_expr): aggregate rows into one JSON object {key: value}, as text. #}
{% macro rw_json_object_agg(key_expr, value_expr) -%}
    {{- return(adapter.dispatch('rw_json_object_agg', 'rightswatch')(key_expr, value_expr)) -}}
{%- endmacro %}

{% macro default__rw_json_object_agg(key_expr, value_expr) -%}
    cast(json_object_agg({{ key_expr }}, {{ value_expr }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__rw_json_object_agg(key_expr, value_expr) -%}
    cast(json_group_object({{ key_expr }}, {{ value_expr }}) as string)
{%- endmacro %}
