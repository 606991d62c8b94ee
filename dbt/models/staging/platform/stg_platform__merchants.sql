-- Every delivered merchant version (licence history), as loaded; one row per raw row.
with

source as (

    select * from {{ source('platform', 'merchants') }}

),

renamed as (

    select
        -- contract columns
        merchant_id,
        merchant_name,
        business_license_no,
        license_expires_on,
        category,
        region,
        onboarded_at,
        status,
        contact_phone_key,
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
