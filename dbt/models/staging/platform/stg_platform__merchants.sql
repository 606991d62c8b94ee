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
        {{ rw_delivery_metadata() }}

    from source

)

select * from renamed
