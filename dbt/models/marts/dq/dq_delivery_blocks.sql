-- Deliveries whose latest blocking check (Great Expectations error suite, row reconciliation) failed,
-- as the last run saw them: still blocking publication, or released by a named person's override.
with

blocks as (

    select * from {{ ref('stg_pipeline_meta__delivery_blocks') }}

),

overrides as (

    select * from {{ ref('stg_pipeline_meta__delivery_overrides') }}

)

select
    blocks.source,
    blocks.delivery_date,
    blocks.check_name,
    blocks.failed_at,
    blocks.failures,
    blocks.blocked,
    blocks.override_id,
    overrides.overridden_by,
    overrides.reason as override_reason,
    overrides.overridden_at,
    blocks.run_id
from blocks
left join overrides
    on overrides.override_id = blocks.override_id
