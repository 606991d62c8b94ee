{#- Fails for every key that does not have exactly one row flagged current (SCD-2 dimensions). -#}
{% test rw_one_current_per_key(model, key, current_column='is_current') %}

select {{ key }}, sum(case when {{ current_column }} then 1 else 0 end) as current_rows
from {{ model }}
group by {{ key }}
having sum(case when {{ current_column }} then 1 else 0 end) <> 1

{% endtest %}
