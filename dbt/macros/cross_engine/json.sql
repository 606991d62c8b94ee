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


{#- Spark: to_json keeps NULL members (ignoreNullFields false) like DuckDB's json_object. -#}
{% macro spark__rw_json_object(pairs) -%}
    to_json(named_struct({% for key, value in pairs.items() %}'{{ key }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor %}), map('ignoreNullFields', 'false'))
{%- endmacro %}

{% macro spark__rw_json_object_agg(key_expr, value_expr) -%}
    to_json(map_from_entries(collect_list(struct({{ key_expr }}, {{ value_expr }}))))
{%- endmacro %}


{#- rw_json_text(expr, key): the text of member `key` of a JSON object held as text (NULL when absent). -#}
{% macro rw_json_text(expr, key) -%}
    {{- return(adapter.dispatch('rw_json_text', 'rightswatch')(expr, key)) -}}
{%- endmacro %}

{% macro default__rw_json_text(expr, key) -%}
    json_extract_string({{ expr }}, '$.{{ key }}')
{%- endmacro %}

{% macro spark__rw_json_text(expr, key) -%}
    get_json_object({{ expr }}, '$.{{ key }}')
{%- endmacro %}
