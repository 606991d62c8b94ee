{#- Fails for every combination of the given columns that occurs more than once.

    scope_key (optional): leading columns grouping the rows a change can touch (a file's
    delivery_date, file_name; an order line's order_id, line_no). On an incremental build only the
    groups holding a row changed since the last successful build are checked (macro rw_tested_since):
    a duplicate needs two rows of one group, so any duplicate involving a changed row is found, and the
    other groups passed this test when they last changed. changed_in (default: the model) is where the
    changed rows are looked up, marker an optional column naming the dbt invocation that wrote a row
    (macro rw_changed_keys). Without scope_key, or on a full build, every row is checked. -#}
{% test rw_unique_combination(model, columns, scope_key=none, changed_in=none, marker=none) %}

{%- set since = rw_tested_since() if scope_key else none %}

select {{ columns | join(', ') }}, count(*) as occurrences
{%- if since is none %}
from {{ model }}
{%- else %}
from {{ rw_rows_of_changed_keys(model, scope_key, rw_changed_keys(changed_in or model, scope_key, since, marker)) }} as scoped
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
