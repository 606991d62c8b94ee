{#-
  The reporting cut-off (kpis.md, "Conventions"): var rw_cutoff (a local timestamp in rw_reporting_tz;
  a bare date YYYY-MM-DD means the end of that local day) when set, else the end of the latest delivery day loaded (max(delivery_date) of the loaded files in
  the file registry, 23:59:59.999999 local). Returned as a SQL expression (a scalar) for the cut-off
  instant as a UTC naive TIMESTAMP, so every model compares it with raw UTC timestamps.
  With an empty registry and no rw_cutoff the expression is NULL and nothing is "as of" it.
-#}
{% macro rw_cutoff_utc() -%}
    {{- return(adapter.dispatch('rw_cutoff_utc', 'rightswatch')()) -}}
{%- endmacro %}

{% macro default__rw_cutoff_utc() -%}
    {%- set cutoff = var('rw_cutoff') -%}
    {%- set cutoff = (cutoff | string | trim) if cutoff is not none else '' -%}
    {%- if cutoff | length == 10 -%}
        {#- a bare date (YYYY-MM-DD) means the end of that local day, like the default -#}
        {{ rw_from_local(
            "cast(" ~ rw_add_days("cast('" ~ cutoff ~ "' as date)", 1) ~ " as timestamp) - interval '1 microsecond'"
        ) }}
    {%- elif cutoff != '' -%}
        {{ rw_from_local("cast('" ~ cutoff ~ "' as timestamp)") }}
    {%- else -%}
        (select {{ rw_from_local(
                "cast(" ~ rw_add_days('max(delivery_date)', 1) ~ " as timestamp) - interval '1 microsecond'"
            ) }}
         from {{ ref('stg_pipeline_meta__file_registry') }}
         where status = 'loaded')
    {%- endif -%}
{%- endmacro %}


{# rw_cutoff_local_date(): the cut-off's local calendar day (DATE); deliveries after it are not yet "known". #}
{% macro rw_cutoff_local_date() -%}
    {{ rw_local_date(rw_cutoff_utc()) }}
{%- endmacro %}


{#- rw_as_of(version_col, delivery_col): predicate keeping the versions known at the cut-off (landing
    contract 1.1: a version is known from its delivery day). A version is visible when it was delivered
    on or before the cut-off's local day and either its updated_at is at or before the cut-off (so a
    named cut-off inside a day still sees only what had happened by then) or its updated_at lies after
    the end of its own delivery day (flag updated_at_after_delivery: its time cannot be trusted, its
    delivery day rules). With a whole-day cut-off (the default) this is exactly "delivered by the
    cut-off day". -#}
{% macro rw_as_of(version_col='updated_at', delivery_col='delivery_date') -%}
    ({{ delivery_col }} <= {{ rw_cutoff_local_date() }}
     and ({{ version_col }} <= {{ rw_cutoff_utc() }} or {{ rw_updated_after_delivery(version_col, delivery_col) }}))
{%- endmacro %}
