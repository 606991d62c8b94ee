-- meta.landing_issues as written by the pipeline (one row per source row; columns as in docs/architecture.md).
with

source as (

    select * from {{ source('pipeline_meta', 'landing_issues') }}

),

renamed as (

    select
        path,
        issue,
        detected_at,
        last_seen_at,
        run_id

    from source

)

select * from renamed
