-- Great Expectations results as recorded by validation.
select
    run_id,
    source,
    delivery_date,
    suite,
    expectation,
    column_name,
    severity,
    success,
    element_count,
    unexpected_count,
    details,
    validated_at
from {{ ref('stg_pipeline_meta__gx_results') }}
