{#-
  Every delivered order-line version with the derived columns that do not depend on the cut-off.
  This is the big one. Incremental-ready: set materialized='incremental' (delete+insert on
  unique_key) and only files not yet in the table are read; files superseded since the last run are
  removed by the pre-hook (their raw rows were deleted by ingestion). As a view it is always correct.
-#}
{{
    config(
        materialized='view',
        unique_key=['delivery_date', 'file_name', 'file_line'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where not exists (select 1 from {{ ref('stg_pipeline_meta__file_registry') }} r where r.status = 'loaded' and r.source = 'orders' and r.delivery_date = {{ this }}.delivery_date and r.file_name = {{ this }}.file_name and r.file_sha256 = {{ this }}.file_sha256){% endif %}"
        ],
    )
}}

-- depends_on: {{ ref('stg_pipeline_meta__file_registry') }}  (read by the incremental pre-hook)

with

versions as (

    select * from {{ ref('stg_platform__orders') }} as stg

    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as loaded
        where loaded.delivery_date = stg.delivery_date
          and loaded.file_name = stg.file_name
          and loaded.file_sha256 = stg.file_sha256
    )
    {% endif %}

),

derived as (

    select
        versions.*,
        cast(quantity * unit_price as decimal(18, 2)) as line_amount,
        {{ rw_local_date('ordered_at') }} as ordered_date_local,
        {{ rw_month_start('ordered_at') }} as order_month
    from versions

)

select * from derived
