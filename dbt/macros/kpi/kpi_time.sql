{#- Time helpers of the KPI layer: thin wrappers over the project's cross-engine macros (macros/cross_engine)
    so every KPI model states the conventions once: timestamps are UTC (naive) in the warehouse, months
    and days are local to var('rw_reporting_tz'), durations are elapsed time (never truncated). -#}

{% macro kpi_local(ts) -%}
    {{ rw_to_local(ts) }}
{%- endmacro %}

{% macro kpi_local_date(ts) -%}
    {{ rw_local_date(ts) }}
{%- endmacro %}

{% macro kpi_month(ts) -%}
    {{ rw_month_start(ts) }}
{%- endmacro %}

{#- elapsed hours / days from start_ts to end_ts, fractional (negative when end is before start) -#}
{% macro kpi_hours_between(start_ts, end_ts) -%}
    {{ rw_hours_between(start_ts, end_ts) }}
{%- endmacro %}

{% macro kpi_days_between(start_ts, end_ts) -%}
    {{ rw_days_between(start_ts, end_ts) }}
{%- endmacro %}

{% macro kpi_median(expr) -%}
    {{ rw_median(expr) }}
{%- endmacro %}

{#- a SQL list literal from a list var: ('a', 'b'); every var is declared, with its default, once in
    dbt_project.yml -#}
{% macro kpi_in_list(var_name) -%}
    {%- set values = var(var_name) -%}
    ({%- for v in values -%}'{{ v }}'{%- if not loop.last %}, {% endif -%}{%- endfor -%})
{%- endmacro %}
