{#- NOT NULL contract constraints on Spark. Plain Parquet/Hive tables cannot ALTER COLUMN ... SET NOT
    NULL (no Delta or Iceberg jars here), so dbt-spark's own statement fails the model. There the
    constraint is checked instead: the built table is counted for NULLs in each such column and the
    model fails, naming the column, when any is found. Delta and Iceberg tables get the real constraint. -#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- if config.get('file_format') in ('delta', 'iceberg') -%}
        {{ dbt_spark.spark__alter_column_set_constraints(relation, column_dict) }}
    {%- else -%}
        {%- for column_name in column_dict -%}
            {%- for constraint in column_dict[column_name]['constraints'] if constraint.type == 'not_null' -%}
                {%- set quoted = adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name -%}
                {%- set nulls = run_query('select count(*) from ' ~ relation ~ ' where ' ~ quoted ~ ' is null').columns[0].values()[0] -%}
                {%- if nulls > 0 -%}
                    {{ exceptions.raise_compiler_error(relation ~ '.' ~ column_name ~ ': ' ~ nulls ~ ' NULL values break its not_null contract constraint') }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
