-- Every delivered personal-information request version, as loaded.
with

source as (

    select * from {{ source('platform', 'privacy_requests') }}

),

renamed as (

    select
        -- contract columns (consumer_id arrives pseudonymised as consumer_key)
        request_id,
        consumer_key,
        request_type,
        channel,
        received_at,
        completed_at,
        status,
        rejection_reason,
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
