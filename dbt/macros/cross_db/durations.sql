{#- Elapsed time between two UTC naive timestamps, fractional, b - a (NULL when either is NULL). -#}

{% macro rw_hours_between(a, b) -%}
    {{- return(adapter.dispatch('rw_hours_between', 'rightswatch')(a, b)) -}}
{%- endmacro %}

{% macro default__rw_hours_between(a, b) -%}
    (extract(epoch from (({{ b }}) - ({{ a }}))) / 3600.0)
{%- endmacro %}

{% macro duckdb__rw_hours_between(a, b) -%}
    (cast(date_diff('microsecond', cast({{ a }} as timestamp), cast({{ b }} as timestamp)) as double) / 3600000000.0)
{%- endmacro %}


{% macro rw_days_between(a, b) -%}
    {{- return(adapter.dispatch('rw_days_between', 'rightswatch')(a, b)) -}}
{%- endmacro %}

{% macro default__rw_days_between(a, b) -%}
    (extract(epoch from (({{ b }}) - ({{ a }}))) / 86400.0)
{%- endmacro %}

{% macro duckdb__rw_days_between(a, b) -%}
    (cast(date_diff('microsecond', cast({{ a }} as timestamp), cast({{ b }} as timestamp)) as double) / 86400000000.0)
{%- endmacro %}


{#- rw_add_days(d, n): DATE d plus n calendar days (n may be negative or an expression), as DATE. -#}
{% macro rw_add_days(d, n) -%}
    {{- return(adapter.dispatch('rw_add_days', 'rightswatch')(d, n)) -}}
{%- endmacro %}

{% macro default__rw_add_days(d, n) -%}
    cast(cast({{ d }} as date) + ({{ n }}) * interval '1 day' as date)
{%- endmacro %}

{% macro duckdb__rw_add_days(d, n) -%}
    cast(cast({{ d }} as date) + cast({{ n }} as integer) as date)
{%- endmacro %}


{#- rw_day_number(d): DATE d as a whole number of days (days since 1970-01-01), so a window can frame
    "the N calendar days before" with a numeric RANGE frame, which every engine supports. -#}
{% macro rw_day_number(d) -%}
    {{- return(adapter.dispatch('rw_day_number', 'rightswatch')(d)) -}}
{%- endmacro %}

{% macro default__rw_day_number(d) -%}
    (cast({{ d }} as date) - date '1970-01-01')
{%- endmacro %}

{% macro duckdb__rw_day_number(d) -%}
    date_diff('day', date '1970-01-01', cast({{ d }} as date))
{%- endmacro %}
