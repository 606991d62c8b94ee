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


{#- Spark: microseconds since the epoch of each naive UTC timestamp (a UTC session makes the cast to
    the zoned type an identity); DOUBLE like DuckDB's, not DECIMAL. -#}
{% macro spark__rw_hours_between(a, b) -%}
    (cast(unix_micros(cast(cast({{ b }} as timestamp) as timestamp_ltz)) - unix_micros(cast(cast({{ a }} as timestamp) as timestamp_ltz)) as double) / 3600000000.0)
{%- endmacro %}

{% macro spark__rw_days_between(a, b) -%}
    (cast(unix_micros(cast(cast({{ b }} as timestamp) as timestamp_ltz)) - unix_micros(cast(cast({{ a }} as timestamp) as timestamp_ltz)) as double) / 86400000000.0)
{%- endmacro %}

{% macro spark__rw_add_days(d, n) -%}
    date_add(cast({{ d }} as date), cast({{ n }} as int))
{%- endmacro %}


{#- rw_month_series(start, stop): the first days of the months from start's month up to stop (both
    DATE/TIMESTAMP expressions, stop inclusive) as a list/array; empty when start is after stop.
    Use with rw_explode. -#}
{% macro rw_month_series(start, stop) -%}
    {{- return(adapter.dispatch('rw_month_series', 'rightswatch')(start, stop)) -}}
{%- endmacro %}

{% macro default__rw_month_series(start, stop) -%}
    generate_series(cast(date_trunc('month', cast({{ start }} as timestamp)) as timestamp), cast({{ stop }} as timestamp), interval 1 month)
{%- endmacro %}

{#- Spark's sequence() refuses a start after the stop (and no subquery may sit in a lambda): NULL
    then, which explodes to no rows like DuckDB's empty series. -#}
{% macro spark__rw_month_series(start, stop) -%}
    case when cast(date_trunc('month', {{ start }}) as date) <= cast({{ stop }} as date)
         then sequence(cast(date_trunc('month', {{ start }}) as date), cast({{ stop }} as date), interval 1 month) end
{%- endmacro %}


{#- rw_day_series(start, stop): every day from start to stop (DATE/TIMESTAMP expressions, stop inclusive)
    as a list/array; empty (NULL on Spark) when start is after stop. Use with rw_explode. -#}
{% macro rw_day_series(start, stop) -%}
    {{- return(adapter.dispatch('rw_day_series', 'rightswatch')(start, stop)) -}}
{%- endmacro %}

{% macro default__rw_day_series(start, stop) -%}
    generate_series(cast({{ start }} as timestamp), cast({{ stop }} as timestamp), interval '1 day')
{%- endmacro %}

{% macro spark__rw_day_series(start, stop) -%}
    case when cast({{ start }} as date) <= cast({{ stop }} as date)
         then sequence(cast({{ start }} as date), cast({{ stop }} as date), interval 1 day) end
{%- endmacro %}


{#- rw_format_ts(expr, fmt): a timestamp or date as text; fmt uses strftime codes %Y %m %d %H %M %S. -#}
{% macro rw_format_ts(expr, fmt) -%}
    {{- return(adapter.dispatch('rw_format_ts', 'rightswatch')(expr, fmt)) -}}
{%- endmacro %}

{% macro default__rw_format_ts(expr, fmt) -%}
    strftime({{ expr }}, '{{ fmt }}')
{%- endmacro %}

{% macro spark__rw_format_ts(expr, fmt) -%}
    {%- set pattern = fmt | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd')
                          | replace('%H', 'HH') | replace('%M', 'mm') | replace('%S', 'ss') -%}
    date_format({{ expr }}, '{{ pattern }}')
{%- endmacro %}


{#- rw_day_number(d): DATE d as a whole number of days (days since 1970-01-01), so a window can frame
    "the N calendar days before" with a numeric RANGE frame, which every engine supports. -#}
{% macro rw_day_number(d) -%}
    {{- return(adapter.dispatch('rw_day_number', 'rightswatch')(d)) -}}
{%- endmacro %}

{% macro default__rw_day_number(d) -%}
    (cast({{ d }} as date) - date '1970-01-01')
{%- endmacro %}

{% macro spark__rw_day_number(d) -%}
    unix_date(cast({{ d }} as date))
{%- endmacro %}
