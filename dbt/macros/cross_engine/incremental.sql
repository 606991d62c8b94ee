{#- Incremental building, the engine-specific part. Models that grow with history say
    incremental_strategy=rw_incremental_strategy() and never name a strategy themselves. -#}

{# rw_incremental_strategy(): how an incremental model replaces the rows of the keys a run rebuilds. #}
{% macro rw_incremental_strategy() -%}
    {{- return(adapter.dispatch('rw_incremental_strategy', 'rightswatch')()) -}}
{%- endmacro %}

{#- delete+insert: delete the target rows whose unique_key a run rebuilds, insert the new rows (DuckDB,
    Postgres). Spark: spark__rw_incremental_strategy below. -#}
{% macro default__rw_incremental_strategy() -%}
    {{- return('delete+insert') -}}
{%- endmacro %}


{#- rw_delete_unloaded_files(source): hook SQL of an incremental per-version model (pre-hook) or
    latest-version model (post-hook): deletes the rows of files that are no longer loaded (a file
    superseded by a corrected delivery of the same name, whose raw rows ingestion deleted), so the model
    never keeps a version the raw history no longer has. Empty on a full build. Rendered at run time,
    inside the model's hook string. -#}
{% macro rw_delete_unloaded_files(source) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where not {{ rw_file_is_loaded(source, this) }}
    {%- endif -%}
{%- endmacro %}


{#- rw_file_is_loaded(source, row, delivery_col='delivery_date'): predicate: the file a row came from
    (columns delivery_col, file_name, file_sha256 of relation or alias ``row``) is still loaded in the
    file registry (not superseded by a corrected delivery). -#}
{% macro rw_file_is_loaded(source, row, delivery_col='delivery_date') -%}
    exists (
        select 1 from {{ ref('stg_pipeline_meta__file_registry') }} as registry
        where registry.status = 'loaded'
          and registry.source = '{{ source }}'
          and registry.delivery_date = {{ row }}.{{ delivery_col }}
          and registry.file_name = {{ row }}.file_name
          and registry.file_sha256 = {{ row }}.file_sha256
    )
{%- endmacro %}


{#- rw_delete_keys_not_in(relation, key): post-hook SQL of an incremental model that copies the rows of
    another incremental model (same key): deletes its rows whose key ``relation`` no longer has. Empty
    on a full build. -#}
{% macro rw_delete_keys_not_in(relation, key) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where not exists (
        select 1 from {{ relation }} as kept
        where {% for column in key %}kept.{{ column }} = {{ this }}.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    )
    {%- endif -%}
{%- endmacro %}


{#- rw_files_not_yet_in(alias, source): predicate for the per-version source rows of an incremental
    model: the row's file (delivery_date, file_name, file_sha256) is a loaded file of ``source`` in the
    file registry that the model does not hold yet. True on a full build.

    The files come from the registry (a few rows per delivery), not from the source rows: a correlated
    NOT EXISTS from every source row to the model made DuckDB 1.5 first take the distinct files of all
    10 M raw rows and read every column of them, 5.8 s of a new day at 10 M order lines. The second
    condition repeats what the first implies (ingestion stamps a file's rows with its registry
    loaded_at) so the scan can skip the row groups loaded before the earliest new file: 0.6 s. The
    model's row-count test against its source (rw_equal_row_count) would show a row this lost. -#}
{% macro rw_files_not_yet_in(alias, source) -%}
    {%- if is_incremental() -%}
    ({{ alias }}.delivery_date, {{ alias }}.file_name, {{ alias }}.file_sha256) in (
        select delivery_date, file_name, file_sha256 from {{ rw_files_to_add(source) }} as new_files
    )
    and {{ alias }}.loaded_at >= (select min(loaded_at) from {{ rw_files_to_add(source) }} as new_files)
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}


{#- rw_files_to_add(source): subquery of the loaded files of ``source`` (registry rows: delivery_date,
    file_name, file_sha256, loaded_at) that the incremental model does not hold yet. -#}
{% macro rw_files_to_add(source) -%}
    (
        select registry.delivery_date, registry.file_name, registry.file_sha256, registry.loaded_at
        from {{ ref('stg_pipeline_meta__file_registry') }} as registry
        where registry.status = 'loaded'
          and registry.source = '{{ source }}'
          and not exists (
              select 1 from {{ this }} as held
              where held.delivery_date = registry.delivery_date
                and held.file_name = registry.file_name
                and held.file_sha256 = registry.file_sha256
          )
    )
{%- endmacro %}


{#- Spark: plain Parquet tables (no Delta/Iceberg here: no DELETE, no MERGE) replace with
    insert_overwrite. As rw_delete_unloaded_files' DELETE cannot run there, an incremental model is
    rebuilt whole on Spark (rw_incremental_full_refresh) until the cluster's table format supports
    DELETE (docs/scale-out.md). -#}
{% macro spark__rw_incremental_strategy() -%}
    {{- return('insert_overwrite') -}}
{%- endmacro %}


{#- rw_incremental_full_refresh(): true where an incremental model must always be rebuilt whole. -#}
{% macro rw_incremental_full_refresh() -%}
    {{- return(adapter.dispatch('rw_incremental_full_refresh', 'rightswatch')()) -}}
{%- endmacro %}

{% macro default__rw_incremental_full_refresh() -%}
    {{- return(false) -}}
{%- endmacro %}

{% macro spark__rw_incremental_full_refresh() -%}
    {{- return(true) -}}
{%- endmacro %}


{#- rw_delete_all_when_as_of(): pre-hook SQL of an incremental model kept as of the default cut-off: an
    explicit rw_cutoff given at run time (a manifest parsed without it cannot ask for a full refresh)
    empties the model first, so the build inserts every row as of that cut-off. Empty otherwise. -#}
{% macro rw_delete_all_when_as_of() -%}
    {%- if is_incremental() and var('rw_cutoff') -%}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}


{#- rw_full_refresh_as_of(): the full_refresh config of an incremental model kept as of the default cut-off:
    true (rebuild whole) when rw_cutoff is set at parse time or the engine cannot build incrementally,
    else none (dbt's --full-refresh flag decides). A cut-off given only at run time is caught by the
    pre-hook rw_delete_all_when_as_of. -#}
{% macro rw_full_refresh_as_of() -%}
    {{- return(true if var('rw_cutoff') or rw_incremental_full_refresh() else none) -}}
{%- endmacro %}


{#- rw_as_of_incremental(unique_key, pre_hook, post_hook): the config of an incremental model kept as of the
    default cut-off (int_orders__latest, fct_order_lines, rpt_kpi_monthly): delete+insert on unique_key
    (or the engine's strategy), a rebuild whole when the cut-off is set at parse time
    (rw_full_refresh_as_of) or emptied first when given at run time (rw_delete_all_when_as_of, before any
    pre_hook of the model's own), a schema change refused. Use as
    config(**rw_as_of_incremental([...], post_hook="...")). -#}
{% macro rw_as_of_incremental(unique_key, pre_hook=none, post_hook=none) -%}
    {%- set settings = {
        'materialized': 'incremental',
        'unique_key': unique_key,
        'incremental_strategy': rw_incremental_strategy(),
        'on_schema_change': 'fail',
        'full_refresh': rw_full_refresh_as_of(),
        'pre_hook': ['{{ rw_delete_all_when_as_of() }}'] + ([pre_hook] if pre_hook else []),
    } -%}
    {%- if post_hook -%}{%- do settings.update({'post_hook': post_hook}) -%}{%- endif -%}
    {{- return(settings) -}}
{%- endmacro %}


{#- rw_loaded_through(previous): the load watermark an incremental model recorded in its rows
    (column loaded_through: the latest load its last build saw); 1900-01-01 when it holds none. -#}
{% macro rw_loaded_through(previous) -%}
    (select coalesce(max(loaded_through), cast('1900-01-01' as timestamp)) from {{ previous }})
{%- endmacro %}
