{#- What the incremental KPI build needs to know about loads, without reading the whole history.
    The KPI dictionary's start events per contract source: a version moves the months of its start
    events (an old version's month too: a new version may move an event to another month). Sources and
    keys come from the landing contract (rw_contract_sources); a contract source without start events
    here is an error, not a source the incremental build silently ignores.
    They were one view (int_kpi__touched_months) that gave every month the newest load of every record
    in it, a window over every version of history (22.7 M start events at 10 M order lines): reading it
    took 8.8-12.3 s for the watermark and 9.3-9.7 s for a new day's touched months; these macros give
    the same watermark and the same 8 months in 0.02-0.03 s and 0.72-0.76 s (both forms run twice on
    the 10 M work file, read-only, nothing else running). -#}
{% macro kpi_start_events() -%}
    {%- set start_events = {
        'merchants': ['updated_at'],
        'orders': ['ordered_at', 'promised_ship_by'],
        'complaints': ['received_at', 'resolved_at'],
        'refunds': ['requested_at', 'return_received_at'],
        'privacy_requests': ['received_at'],
    } -%}
    {%- for source in rw_contract_sources() if source.name not in start_events -%}
        {{ exceptions.raise_compiler_error("kpi_start_events: contract source " ~ source.name ~ " has no KPI start events: name them in macros/kpi/kpi_touched_months.sql") }}
    {%- endfor -%}
    {{- return(start_events) -}}
{%- endmacro %}


{#- kpi_touched_months(since): the local months a record with a version loaded after `since` (a SQL
    timestamp expression) has a start event in, over all its versions. Per source and start event: the
    keys with such a version (raw rows are appended in load order, so the filter reads only the new
    rows' blocks), then every version of those keys; a merchant version quarantined after `since`
    (licence check failed) moves invalid_licence_merchant_count in its delivery month. -#}
{% macro kpi_touched_months(since) -%}
    {%- set start_events = kpi_start_events() -%}
    {%- for source in rw_contract_sources() %}
    {%- set keys = source.key %}
    {%- for ev in start_events[source.name] %}
    select {{ kpi_month('versions.' ~ ev) }} as month
    from {{ ref('stg_platform__' ~ source.name) }} as versions
    inner join (
        select distinct {{ keys | join(', ') }}
        from {{ ref('stg_platform__' ~ source.name) }}
        where {{ ev }} is not null
          and loaded_at > {{ since }}
    ) as new_keys
        on {% for k in keys %}new_keys.{{ k }} = versions.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
    where versions.{{ ev }} is not null
    union all
    {%- endfor %}
    {%- endfor %}
    select cast(date_trunc('month', delivery_date) as date) as month
    from {{ ref('stg_pipeline_meta__quarantine') }}
    where source = 'merchants'
      and quarantined_at > {{ since }}
{%- endmacro %}


{#- kpi_loaded_through(): the newest load the KPI build saw (the watermark rpt_kpi_monthly records):
    the newest loaded_at of a version with a start event, or of a quarantined merchant version. -#}
{% macro kpi_loaded_through() -%}
    {%- set start_events = kpi_start_events() -%}
    select max(loaded_at) as loaded_through
    from (
        {%- for source in rw_contract_sources() %}
        select max(loaded_at) as loaded_at
        from {{ ref('stg_platform__' ~ source.name) }}
        where {% for ev in start_events[source.name] %}{{ ev }} is not null{% if not loop.last %} or {% endif %}{% endfor %}
        union all
        {%- endfor %}
        select max(quarantined_at) as loaded_at
        from {{ ref('stg_pipeline_meta__quarantine') }}
        where source = 'merchants'
    ) as per_source
{%- endmacro %}
