{#- Parse a raw landing timestamp string (as kept in meta.quarantine.raw_values) to naive UTC, the
    way ingestion does: ISO 8601 with an offset is converted; without one it is local time of the
    landing contract's default time zone (macro rw_landing_tz, from the contract). NULL when it does not parse.
    The one place that reads a landing timestamp in SQL. -#}
{% macro rw_landing_ts_to_utc(expr) -%}
    {{- return(adapter.dispatch('rw_landing_ts_to_utc', 'rightswatch')(expr)) -}}
{%- endmacro %}

{% macro default__rw_landing_ts_to_utc(expr) -%}
    case
        when regexp_matches(trim({{ expr }}), '(Z|z|[+-][0-9]{2}:?[0-9]{2})$')
            then cast(try_cast(trim({{ expr }}) as timestamptz) at time zone 'UTC' as timestamp)
        else cast((try_cast(trim({{ expr }}) as timestamp) at time zone '{{ rw_landing_tz() }}') at time zone 'UTC' as timestamp)
    end
{%- endmacro %}


{#- Spark: a text with an offset cast to the zoned TIMESTAMP_LTZ is an instant; in the UTC session its
    cast to the naive type is its UTC wall clock. Without an offset it is local time of the contract's zone. -#}
{% macro spark__rw_landing_ts_to_utc(expr) -%}
    case
        when trim({{ expr }}) rlike '(Z|z|[+-][0-9]{2}:?[0-9]{2})$'
            then cast(try_cast(trim({{ expr }}) as timestamp_ltz) as timestamp)
        else cast(to_utc_timestamp(try_cast(trim({{ expr }}) as timestamp), '{{ rw_landing_tz() }}') as timestamp)
    end
{%- endmacro %}
