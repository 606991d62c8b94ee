-- Entries under the landing root that were not read, each with why: unknown folders and file types,
-- names that are not UTF-8 (shown with \xNN escapes), dangling links, FIFOs and other special files,
-- files the pipeline may not read. still_present says whether the latest run saw it again.
with

issues as (

    select * from {{ ref('stg_pipeline_meta__landing_issues') }}

),

latest_run as (

    select run_id
    from {{ ref('stg_pipeline_meta__pipeline_runs') }}
    order by started_at desc
    limit 1

)

select
    issues.path,
    issues.issue,
    issues.detected_at,
    issues.last_seen_at,
    coalesce(issues.run_id = (select run_id from latest_run), false) as still_present
from issues
