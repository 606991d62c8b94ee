{#- For the incremental KPI build: the reporting months a raw record can move, with the time its
    newest version was loaded. For every key, every version (old and new: a new version may move a
    start event to another month) contributes the local months of its start events; loaded_at is the
    newest _loaded_at of the key, so "versions arrived since the last build" = loaded_at > the
    watermark the KPI table recorded (loaded_through). Sources and keys come from the landing
    contract (rw_contract_sources); the start events are the KPI dictionary's, so a contract source
    without them here is an error, not a source the incremental build silently ignores. -#}
{%- set start_events = {
    'merchants': ['updated_at'],
    'orders': ['ordered_at', 'promised_ship_by'],
    'complaints': ['received_at', 'resolved_at'],
    'refunds': ['requested_at', 'return_received_at'],
    'privacy_requests': ['received_at'],
} -%}
{%- set sources = rw_contract_sources() -%}
{%- for source in sources if source.name not in start_events -%}
    {{ exceptions.raise_compiler_error("int_kpi__touched_months: contract source " ~ source.name ~ " has no KPI start events: name them in start_events") }}
{%- endfor -%}
with versions as (
    {%- for source in sources %}
    {%- for ev in start_events[source.name] %}
    select
        {{ kpi_month(ev) }} as month,
        max(loaded_at) over (partition by {{ source.key | join(', ') }}) as loaded_at
    from {{ ref('stg_platform__' ~ source.name) }}
    where {{ ev }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    union all
    -- a quarantined merchant version (licence check failed) moves invalid_licence_merchant_count
    select cast(date_trunc('month', delivery_date) as date) as month, quarantined_at as loaded_at
    from {{ ref('stg_pipeline_meta__quarantine') }}
    where source = 'merchants'
)
select month, max(loaded_at) as loaded_at
from versions
group by month
