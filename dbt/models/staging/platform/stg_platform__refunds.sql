-- Every delivered refund / return request version, as loaded.
with

source as (

    select * from {{ source('platform', 'refunds') }}

),

renamed as (

    select
        -- contract columns
        refund_id,
        order_id,
        line_no,
        merchant_id,
        reason,
        requested_at,
        decided_at,
        decision,
        return_received_at,
        refunded_at,
        amount,
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
