{#-
  Time-zone conversion between the warehouse's UTC naive timestamps and the reporting time zone
  (var rw_reporting_tz). Raw timestamps are UTC without an offset (docs/architecture.md); reporting
  months and days are local. Every engine spells this differently, so it lives here only.
-#}

{% macro rw_reporting_tz() -%}
    {{- return(var('rw_reporting_tz')) -}}
{%- endmacro %}


{# rw_to_local(ts): UTC naive TIMESTAMP -> naive TIMESTAMP in the reporting time zone. #}
{% macro rw_to_local(ts) -%}
    {{- return(adapter.dispatch('rw_to_local', 'rightswatch')(ts)) -}}
{%- endmacro %}

{% macro default__rw_to_local(ts) -%}
    (({{ ts }}) at time zone 'UTC' at time zone '{{ rw_reporting_tz() }}')
{%- endmacro %}

{% macro duckdb__rw_to_local(ts) -%}
    timezone('{{ rw_reporting_tz() }}', timezone('UTC', cast({{ ts }} as timestamp)))
{%- endmacro %}


{# rw_from_local(ts): naive TIMESTAMP in the reporting time zone -> UTC naive TIMESTAMP. #}
{% macro rw_from_local(ts) -%}
    {{- return(adapter.dispatch('rw_from_local', 'rightswatch')(ts)) -}}
{%- endmacro %}

{% macro default__rw_from_local(ts) -%}
    (({{ ts }}) at time zone '{{ rw_reporting_tz() }}' at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__rw_from_local(ts) -%}
    timezone('UTC', timezone('{{ rw_reporting_tz() }}', cast({{ ts }} as timestamp)))
{%- endmacro %}


{# rw_local_date(ts): the local calendar day (DATE) of a UTC naive timestamp. #}
{% macro rw_local_date(ts) -%}
    {{- return(adapter.dispatch('rw_local_date', 'rightswatch')(ts)) -}}
{%- endmacro %}

{% macro default__rw_local_date(ts) -%}
    cast({{ rw_to_local(ts) }} as date)
{%- endmacro %}


{# rw_month_start(ts): first day (DATE) of the local calendar month of a UTC naive timestamp. #}
{% macro rw_month_start(ts) -%}
    {{- return(adapter.dispatch('rw_month_start', 'rightswatch')(ts)) -}}
{%- endmacro %}

{% macro default__rw_month_start(ts) -%}
    cast(date_trunc('month', {{ rw_to_local(ts) }}) as date)
{%- endmacro %}


{#- Spark: timestamps are TIMESTAMP_NTZ in a UTC session (warehouse/spark_connect.py); from_utc_timestamp /
    to_utc_timestamp shift the wall clock, and the cast keeps the result naive like DuckDB's. -#}
{% macro spark__rw_to_local(ts) -%}
    cast(from_utc_timestamp(cast({{ ts }} as timestamp), '{{ rw_reporting_tz() }}') as timestamp)
{%- endmacro %}

{% macro spark__rw_from_local(ts) -%}
    cast(to_utc_timestamp(cast({{ ts }} as timestamp), '{{ rw_reporting_tz() }}') as timestamp)
{%- endmacro %}
