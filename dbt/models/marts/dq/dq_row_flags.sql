-- Soft-rule flags of the loaded rows known at the cut-off, per source and delivery: one row per
-- (source, delivery_date, flag) with the number of rows carrying it. Includes the timestamp-order
-- flags set by ingestion and the reference flags (unknown_merchant, unknown_order) set in dbt.
with

flagged_rows as (

    {#- every source of the landing contract (rw_contract_sources, rendered from it) -#}
    {% for source in rw_contract_sources() | map(attribute='name') %}
    select '{{ source }}' as source, delivery_date, dq_flags
    from {{ ref('int_' ~ source ~ '__versions_as_of') }}
    where dq_flags is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

exploded as (

    select
        source,
        delivery_date,
        {{ rw_explode_csv('dq_flags') }} as flag
    from flagged_rows

),

trimmed as (

    select source, delivery_date, trim(flag) as flag
    from exploded

)

select
    source,
    delivery_date,
    flag,
    count(*) as rows
from trimmed
where flag <> ''
group by source, delivery_date, flag
