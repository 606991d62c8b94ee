{#- The model holds, for every key known in `versions`, exactly the newest version (max of
    version_column). Fails per key that is missing from the model or shows an older version.

    scope_key (optional, normally the key): on an incremental build only the keys changed since the last
    successful build are checked (macro rw_tested_since): keys with a version loaded since, and the
    keys changed_in (optional) changed, with marker naming the column of the dbt invocation that wrote
    a row (macro rw_changed_keys). A key none of whose versions changed keeps the newest version the
    last build checked. Without scope_key, or on a full build, every key is checked. -#}
{% test rw_is_latest_version(model, versions, key, version_column='updated_at', scope_key=none, changed_in=none,
                             marker=none) %}

{%- set since = rw_tested_since() if scope_key else none %}

with

{%- if since is not none %}

-- computed once, read twice (DuckDB materializes a CTE referenced more than once)
changed_keys as (

    {{ rw_changed_keys(versions, scope_key, since) }}
    {%- if changed_in %}
    union
    {{ rw_changed_keys(changed_in, scope_key, since, marker) }}
    {%- endif %}

),

{%- endif %}

newest as (

    select {{ key | join(', ') }}, max({{ version_column }}) as newest_version
    {%- if since is none %}
    from {{ versions }}
    {%- else %}
    from {{ rw_rows_of_changed_keys(versions, scope_key, 'select * from changed_keys') }} as known
    {%- endif %}
    group by {{ key | join(', ') }}

),

published as (

    select *
    {%- if since is none %}
    from {{ model }}
    {%- else %}
    from {{ rw_rows_of_changed_keys(model, scope_key, 'select * from changed_keys') }} as published
    {%- endif %}

)

select newest.*, published.{{ version_column }} as published_version
from newest
left join published
    on {% for k in key %}published.{{ k }} = newest.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
where published.{{ version_column }} is null
   or published.{{ version_column }} <> newest.newest_version

{% endtest %}
