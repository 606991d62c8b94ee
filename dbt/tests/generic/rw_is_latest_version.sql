{#- The model holds, for every key known in `versions`, exactly the newest version (max of
    version_column). Fails per key that is missing from the model or shows an older version. -#}
{% test rw_is_latest_version(model, versions, key, version_column='updated_at') %}

with

newest as (

    select {{ key | join(', ') }}, max({{ version_column }}) as newest_version
    from {{ versions }}
    group by {{ key | join(', ') }}

)

select newest.*, published.{{ version_column }} as published_version
from newest
left join {{ model }} as published
    on {% for k in key %}published.{{ k }} = newest.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
where published.{{ version_column }} is null
   or published.{{ version_column }} <> newest.newest_version

{% endtest %}
