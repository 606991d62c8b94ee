-- Nothing published is newer than the cut-off: the facts are built from the versions known at
-- rw_cutoff_utc() only, so a report re-run with the same cut-off always gives the same figures.
-- Known = delivered on or before the cut-off's local day and stamped at or before the cut-off, except a
-- version stamped after its own delivery day (soft flag updated_at_after_delivery, landing contract
-- 1.1), which is known from its delivery day whatever its stamp.
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'int_orders__versions_as_of'}}}) }}

{% for source in ['orders', 'complaints', 'refunds', 'merchants'] %}
select '{{ source }}' as source, updated_at, delivery_date
from {{ ref('int_' ~ source ~ '__versions_as_of') }}
where delivery_date > {{ rw_cutoff_local_date() }}
   or (updated_at > {{ rw_cutoff_utc() }}
       and not {{ rw_csv_contains('dq_flags', "'updated_at_after_delivery'") }})
{% if not loop.last %}union all{% endif %}
{% endfor %}
