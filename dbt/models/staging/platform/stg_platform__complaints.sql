-- Every delivered complaint version, as loaded (description kept exactly as delivered).
with

source as (

    select * from {{ source('platform', 'complaints') }}

),

renamed as (

    select
        -- contract columns
        complaint_id,
        order_id,
        merchant_id,
        consumer_key,
        channel,
        right_category,
        issue_code,
        received_at,
        first_response_at,
        verified_at,
        resolved_at,
        status,
        outcome,
        substantiated,
        compensation_amount,
        advance_compensation,
        escalated_at,
        satisfaction,
        description,
        updated_at,

        -- delivery metadata
        _delivery_date as delivery_date,
        _file_name as file_name,
        _file_sha256 as file_sha256,
        _line as file_line,
        {{ rw_staging_dq_flags() }} as dq_flags,
        _extra_columns as extra_columns,
        _loaded_at as loaded_at

    from source

)

select * from renamed
