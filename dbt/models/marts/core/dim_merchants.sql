-- Merchants with their licence history, published (logic and its unit test:
-- intermediate/core/int_merchants__history).
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
    valid_from,
    valid_to,
    is_current
from {{ ref('int_merchants__history') }}
