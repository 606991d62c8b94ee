-- Personal-information request versions known at the cut-off (updated at or before it and delivered on
-- or before its local day). Requests name no merchant or order, so no reference flags are added.
select *
from {{ ref('stg_platform__privacy_requests') }}
where {{ rw_as_of('updated_at', 'delivery_date') }}
