{#-
  The latest version of each order line (order_id, line_no) as of the cut-off (macro rw_latest_version).
  Read by the order facts, price checks, KPIs and scoring, and it grows with history: an incremental table.
  A run ranks again only the lines a new delivery can change:
    - a version of the line was loaded since the last build (loaded_at > loaded_through, the watermark
      every row records: the latest load the build saw);
    - the kept version's file is no longer loaded (superseded by a corrected delivery);
    - its merchant became known, or unknown (the unknown_merchant flag follows the merchant versions).
  Nothing else about a version depends on other rows or on a moving cut-off: with the default cut-off
  (the end of the latest delivery day) every delivered version is visible. An explicit rw_cutoff ("as of")
  rebuilds every line (the pre-hook empties the table when the var is given at run time) and records no
  watermark, so the next default build ranks every line again. The post-hook drops lines none of whose
  versions is left: after delete+insert, the only rows still naming a file no longer loaded are those.
-#}
{{ config(**rw_as_of_incremental(['order_id', 'line_no'],
                                post_hook="{{ rw_delete_unloaded_files('orders') }}")) }}

-- depends_on: {{ ref('stg_pipeline_meta__file_registry') }}  (the loaded files; read by the post-hook too)

{%- set incremental = is_incremental() and not var('rw_cutoff') %}

with

-- Read at each reference, not copied once: every reference below needs a few columns or a slice
-- (macro rw_inline_cte).
versions as {{ rw_inline_cte() }} (

    select * from {{ ref('int_orders__versions_as_of') }}

),

{%- if incremental %}

previous as {{ rw_inline_cte() }} (

    select * from {{ this }}

),

-- What a kept line's file and merchant are now. Both are properties of few rows (a file, a merchant),
-- so the kept lines are compared with these small sets; joining every kept line to every version took
-- 55 s of a new day's 186 s of dbt at 10 M order lines (make bench). The loaded files are the file
-- registry's (at the default cut-off every loaded file's versions are visible): the distinct files of
-- every version took 1.1 s more of the select at 10 M.
files_now as (

    select delivery_date, file_name, file_sha256
    from {{ ref('stg_pipeline_meta__file_registry') }}
    where status = 'loaded'
      and source = 'orders'

),

merchants_now as (

    select distinct merchant_id, is_known_merchant
    from versions

),

touched as (

    select order_id, line_no
    from versions
    where loaded_at > {{ rw_loaded_through('previous') }}

    union

    -- the kept version is gone (its file superseded: a file's lines are all visible or all gone at the
    -- default cut-off), or its merchant became known or unknown (versions derive is_known_merchant
    -- from the merchant versions as of the cut-off: one value per merchant)
    select previous.order_id, previous.line_no
    from previous
    left join files_now
        on files_now.delivery_date = previous.delivery_date
       and files_now.file_name = previous.file_name
       and files_now.file_sha256 = previous.file_sha256
    left join merchants_now
        on merchants_now.merchant_id is not distinct from previous.merchant_id
    where files_now.file_name is null
       or merchants_now.is_known_merchant is distinct from previous.is_known_merchant

),

-- Read twice by rw_latest_version (the ranking, then the winners' rows): DuckDB keeps the few touched
-- lines once rather than joining every version to them twice.
to_rank as (

    select versions.*
    from versions
    inner join touched
        on touched.order_id = versions.order_id
       and touched.line_no = versions.line_no

),

{%- else %}

-- Every version: read twice by rw_latest_version, as the view, not copied whole.
to_rank as {{ rw_inline_cte() }} (

    select * from versions

),

{%- endif %}

latest as (

    {{ rw_latest_version('to_rank', ['order_id', 'line_no']) }}

)

select
    latest.*,
    -- which build ranked the line: fct_order_lines copies only the lines of this build
    '{{ invocation_id }}' as ranked_by_build,
    {%- if var('rw_cutoff') %}
    cast(null as timestamp) as loaded_through
    {%- else %}
    -- the table, not the as-of view: the same newest load at the default cut-off, without the view's joins
    (select max(loaded_at) from {{ ref('int_orders__versions') }}) as loaded_through
    {%- endif %}
from latest
