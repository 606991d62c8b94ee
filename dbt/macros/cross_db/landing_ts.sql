{#- Parse a raw landing timestamp string (as kept in meta.quarantine.raw_values) to naive UTC, the
    way ingestion does: ISO 8601 with an offset is converted; without one it is local time of the
    landing contract's default time zone (macro rw_landing_tz, from the contract). NULL when it does not parse.
    The one place that reads a landing timestamp in SQL. -#}
{% macro rw_landing_ts_to_utc(expr) -%}
    case
        when regexp_matches(trim({{ expr }}), '(Z|z|[+-][0-9]{2}:?[0-9]{2})$')
            then cast(try_cast(trim({{ expr }}) as timestamptz) at time zone 'UTC' as timestamp)
        else cast((try_cast(trim({{ expr }}) as timestamp) at time zone '{{ rw_landing_tz() }}') at time zone 'UTC' as timestamp)
    end
{%- endmacro %}
