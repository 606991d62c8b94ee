-- The rows and files ingestion quarantined (personal data already pseudonymised in raw_values).
select
    source,
    delivery_date,
    file_name,
    file_sha256,
    line,
    rule,
    column_name,
    message,
    raw_values,
    quarantined_at,
    run_id
from {{ ref('stg_pipeline_meta__quarantine') }}
