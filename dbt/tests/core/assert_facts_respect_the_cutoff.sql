-- Nothing published is newer than the cut-off: the facts show versions as of rw_cutoff_utc() only,
-- so a report re-run with the same cut-off always gives the same figures.
{{ config(severity='error') }}

{% for model in ['fct_order_lines', 'fct_complaints', 'fct_refunds', 'dim_merchants'] %}
select '{{ model }}' as model_name, updated_at
from {{ ref(model) }}
where updated_at > {{ rw_cutoff_utc() }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
