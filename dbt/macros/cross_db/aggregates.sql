{#- Aggregates that engines spell differently. -#}

{# rw_median(expr): continuous median (interpolated) as DOUBLE; NULLs ignored; NULL over no rows. #}
{% macro rw_median(expr) -%}
    {{- return(adapter.dispatch('rw_median', 'rightswatch')(expr)) -}}
{%- endmacro %}

{% macro default__rw_median(expr) -%}
    percentile_cont(0.5) within group (order by cast({{ expr }} as double precision))
{%- endmacro %}

{% macro duckdb__rw_median(expr) -%}
    quantile_cont(cast({{ expr }} as double), 0.5)
{%- endmacro %}


{# rw_string_agg(expr, delimiter=',', order_by=none): concatenation of non-NULL values, optionally ordered. #}
{% macro rw_string_agg(expr, delimiter=',', order_by=none) -%}
    {{- return(adapter.dispatch('rw_string_agg', 'rightswatch')(expr, delimiter, order_by)) -}}
{%- endmacro %}

{% macro default__rw_string_agg(expr, delimiter, order_by) -%}
    string_agg(cast({{ expr }} as {{ dbt.type_string() }}), '{{ delimiter }}'{% if order_by %} order by {{ order_by }}{% endif %})
{%- endmacro %}


{#- rw_split_csv(expr): the items of a comma-separated string as a list/array (used with rw_unnest). -#}
{% macro rw_split_csv(expr) -%}
    {{- return(adapter.dispatch('rw_split_csv', 'rightswatch')(expr)) -}}
{%- endmacro %}

{% macro default__rw_split_csv(expr) -%}
    string_to_array({{ expr }}, ',')
{%- endmacro %}

{% macro duckdb__rw_split_csv(expr) -%}
    string_split({{ expr }}, ',')
{%- endmacro %}


{#- rw_csv_contains(expr, item): TRUE when the comma-separated string contains item exactly
    (e.g. a dq_flags value contains 'unknown_merchant'); FALSE when expr is NULL. -#}
{% macro rw_csv_contains(expr, item) -%}
    {{- return(adapter.dispatch('rw_csv_contains', 'rightswatch')(expr, item)) -}}
{%- endmacro %}

{% macro default__rw_csv_contains(expr, item) -%}
    coalesce(({{ item }}) = any({{ rw_split_csv(expr) }}), false)
{%- endmacro %}

{% macro duckdb__rw_csv_contains(expr, item) -%}
    coalesce(list_contains({{ rw_split_csv(expr) }}, {{ item }}), false)
{%- endmacro %}


{#- rw_csv_append(expr, item_expr): append a flag to a comma-separated list; item_expr may be NULL
    (then expr is returned unchanged); an empty result is NULL. -#}
{% macro rw_csv_append(expr, item_expr) -%}
    nullif(concat_ws(',', {{ expr }}, {{ item_expr }}), '')
{%- endmacro %}


{#- rw_explode_csv(expr): set-returning select-list expression, one output row per item of a
    comma-separated string (no rows when NULL). -#}
{% macro rw_explode_csv(expr) -%}
    {{- return(adapter.dispatch('rw_explode_csv', 'rightswatch')(expr)) -}}
{%- endmacro %}

{% macro default__rw_explode_csv(expr) -%}
    unnest({{ rw_split_csv(expr) }})
{%- endmacro %}
