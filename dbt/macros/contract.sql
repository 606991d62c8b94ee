{#- The landing contract as dbt sees it: the platform sources yml is rendered from the project's one
    contract file (dagster_project/contract/landing_contract.yml, by dagster_project.contract.dbt_sources),
    and these macros read its meta, so no contract value is typed twice. The graph is only filled when
    dbt executes; while parsing, a placeholder is returned (nothing runs then). A dbt unit test has no
    graph: it overrides the macro it needs (overrides: macros: {rw_landing_tz: ...}). -#}

{#- The source node of a platform table (a unit test sees the same graph). -#}
{% macro rw_contract_table(table) -%}
    {{- return((graph.get('sources') or {}).get('source.' ~ project_name ~ '.platform.' ~ table)) -}}
{%- endmacro %}


{#- The contract's default time zone: how ingestion read delivered timestamps without an offset, and
    how dbt reads them back from the quarantine (rw_landing_ts_to_utc). -#}
{% macro rw_landing_tz() -%}
    {%- if not execute -%}{{ return('UTC') }}{%- endif -%}
    {%- for node in (graph.get('sources') or {}).values() if node.source_name == 'platform' -%}
        {{ return(node.source_meta['default_timezone']) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no platform source with meta default_timezone: re-render the dbt sources from the contract") }}
{%- endmacro %}


{#- SQL literal of the contract's default for a column (column meta `default`): 'CNY', false, ... -#}
{% macro rw_contract_default(table, column) -%}
    {%- if not execute -%}{{ return('null') }}{%- endif -%}
    {%- set node = rw_contract_table(table) -%}
    {%- set col = node.columns.get(column) if node is not none else none -%}
    {%- if col is none or 'default' not in col.meta -%}
        {{ exceptions.raise_compiler_error("the contract declares no default for " ~ table ~ "." ~ column) }}
    {%- endif -%}
    {%- set value = col.meta['default'] -%}
    {%- if value is sameas true or value is sameas false -%}
        {{ return('true' if value else 'false') }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- else -%}
        {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- `coalesce(column, <contract default>) as column`: a staging column with the contract's default applied. -#}
{% macro rw_with_contract_default(table, column) -%}
    coalesce({{ column }}, {{ rw_contract_default(table, column) }}) as {{ column }}
{%- endmacro %}
