-- Per delivered file: the counts ingestion recorded, and whether they reconcile. A file is
-- reconciled when rows_read = rows_loaded + rows_quarantined and, for a loaded file, the warehouse
-- actually holds rows_loaded raw rows and rows_quarantined quarantined records of it.
with

registry as (

    select * from {{ ref('stg_pipeline_meta__file_registry') }}

),

raw_rows as (

    {#- every source of the landing contract (rw_contract_sources, rendered from it) -#}
    {% for source in rw_contract_sources() | map(attribute='name') %}
    select
        '{{ source }}' as source,
        delivery_date,
        file_name,
        file_sha256,
        count(*) as raw_rows
    from {{ ref('stg_platform__' ~ source) }}
    group by delivery_date, file_name, file_sha256
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

quarantined as (

    select
        source,
        delivery_date,
        file_name,
        file_sha256,
        count(distinct line) as quarantined_records
    from {{ ref('stg_pipeline_meta__quarantine') }}
    where line is not null
    group by source, delivery_date, file_name, file_sha256

),

joined as (

    select
        registry.*,
        coalesce(raw_rows.raw_rows, 0) as raw_rows,
        coalesce(quarantined.quarantined_records, 0) as quarantined_records
    from registry
    left join raw_rows
        on raw_rows.source = registry.source
       and raw_rows.delivery_date = registry.delivery_date
       and raw_rows.file_name = registry.file_name
       and raw_rows.file_sha256 = registry.file_sha256
    left join quarantined
        on quarantined.source = registry.source
       and quarantined.delivery_date = registry.delivery_date
       and quarantined.file_name = registry.file_name
       and quarantined.file_sha256 = registry.file_sha256

)

select
    source,
    delivery_date,
    file_name,
    file_sha256,
    status,
    rows_read,
    rows_loaded,
    rows_quarantined,
    coalesce(
        rows_read = rows_loaded + rows_quarantined
        and (status <> 'loaded' or (raw_rows = rows_loaded and quarantined_records = rows_quarantined)),
        false
    ) as reconciled,
    message,
    loaded_at
from joined
