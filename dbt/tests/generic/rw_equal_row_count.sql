{#- Fails when the model and the compared relation (optionally filtered) hold a different number of rows. -#}
{% test rw_equal_row_count(model, compare_model, compare_where='1 = 1') %}

with

model_rows as (select count(*) as n from {{ model }}),

compare_rows as (select count(*) as n from {{ compare_model }} where {{ compare_where }})

select model_rows.n as model_rows, compare_rows.n as compare_rows
from model_rows cross join compare_rows
where model_rows.n <> compare_rows.n

{% endtest %}
