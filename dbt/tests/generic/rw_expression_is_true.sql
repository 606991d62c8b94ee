{#- Fails for every row where the boolean SQL expression is not TRUE (NULL counts as a failure).
    Use `config: where:` to restrict the rows checked. -#}
{% test rw_expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
