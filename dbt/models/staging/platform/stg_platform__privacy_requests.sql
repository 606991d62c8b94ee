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
        {{ rw_delivery_metadata() }}

    from source

)

select * from renamed
