{#- Fails for every row where the boolean SQL expression is not TRUE (NULL counts as a failure).
    Use `config: where:` to restrict the rows checked.

    scope_key, changed_in, marker (optional): on an incremental build only the rows of keys changed since
    the last successful build are checked, as in rw_unique_combination; for a model whose other rows a
    build keeps as they were (fct_order_lines). Without scope_key, or on a full build, every row. -#}
{% test rw_expression_is_true(model, expression, scope_key=none, changed_in=none, marker=none) %}

{%- set since = rw_tested_since() if scope_key else none %}

select *
{%- if since is none %}
from {{ model }}
{%- else %}
from {{ rw_rows_of_changed_keys(model, scope_key, rw_changed_keys(changed_in or model, scope_key, since, marker)) }} as scoped
{%- endif %}
where not coalesce(({{ expression }}), false)

{% endtest %}
