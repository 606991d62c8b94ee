-- Merchants with their licence history: one row per merchant version known at the cut-off.
-- A version delivered more than once (same merchant_id and updated_at) appears once: the latest
-- delivery of it wins. valid_to is the next version's updated_at (NULL for the current version).
with

versions as (

    select * from {{ ref('int_merchants__versions_as_of') }}

),

deduplicated as (

    select
        versions.*,
        row_number() over (
            partition by merchant_id, updated_at
            order by {{ rw_version_order() }}
        ) as copy_rank
    from versions

),

history as (

    select
        deduplicated.*,
        lead(updated_at) over (partition by merchant_id order by updated_at) as next_updated_at
    from deduplicated
    where copy_rank = 1

)

select
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
    updated_at as valid_from,
    next_updated_at as valid_to,
    next_updated_at is null as is_current
from history
