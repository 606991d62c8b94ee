{#- For the incremental KPI build: the reporting months a raw record can move, with the time its
    newest version was loaded. For every key, every version (old and new: a new version may move a
    start event to another month) contributes the local months of its start events; loaded_at is the
    newest _loaded_at of the key, so "versions arrived since the last build" = loaded_at > the
    watermark the KPI table recorded (loaded_through). -#}
{%- set sources = [
    ('complaints', ['complaint_id'], ['received_at', 'resolved_at']),
    ('orders', ['order_id', 'line_no'], ['ordered_at', 'promised_ship_by']),
    ('refunds', ['refund_id'], ['requested_at', 'return_received_at']),
    ('merchants', ['merchant_id'], ['updated_at']),
    ('privacy_requests', ['request_id'], ['received_at']),
] -%}
with versions as (
    {%- for name, key, events in sources %}
    {%- for ev in events %}
    select
        {{ kpi_month(ev) }} as month,
        max(loaded_at) over (partition by {{ key | join(', ') }}) as loaded_at
    from {{ ref('stg_platform__' ~ name) }}
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
