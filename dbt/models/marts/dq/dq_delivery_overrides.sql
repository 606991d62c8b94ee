-- Every override of a blocked delivery ever recorded: who released it, when and why (audit trail;
-- the state store keeps the original and its audit log entry).
select
    override_id,
    source,
    delivery_date,
    overridden_by,
    reason,
    overridden_at
from {{ ref('stg_pipeline_meta__delivery_overrides') }}
