{#-
  rw_inline_cte(): the hint that makes a common table expression read its input at each reference
  instead of being computed once into a temporary result. DuckDB (1.5.6, the pinned version)
  materializes a CTE referenced more than once; when the CTE is a wide scan whose references each
  need a few columns or a filtered slice, the copy costs more than the reads: int_orders__latest's
  select took 23.9 s at 10 M order lines with such a copy and 3.3 s without it (a new day's 240 k
  lines). Engines without the hint (Spark) get nothing: they inline by default.
  Use: `versions as {{ rw_inline_cte() }} (select ...)`.
-#}
{% macro rw_inline_cte() -%}
    {{- return(adapter.dispatch('rw_inline_cte', 'rightswatch')()) -}}
{%- endmacro %}

{% macro default__rw_inline_cte() -%}
{%- endmacro %}

{% macro duckdb__rw_inline_cte() -%}
    not materialized
{%- endmacro %}
