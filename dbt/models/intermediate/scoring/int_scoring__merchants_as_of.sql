-- Merchants on each list: every merchant with a version delivered by the list day and dated on or
-- before it, with the latest such version (name, category, region as a build with that cut-off shows).
{{ config(materialized='table') }}

with

version_known as (

    {{ rw_first_delivered(ref('int_merchants__versions_as_of'), ['merchant_id', 'updated_at']) }}

),

versions as (

    select
        dim.merchant_id,
        dim.merchant_name,
        dim.category,
        dim.region,
        {{ rw_local_date('dim.valid_from') }} as valid_from_date,
        dim.valid_from,
        coalesce(version_known.known_on, {{ rw_local_date('dim.valid_from') }}) as known_on
    from {{ ref('int_merchants__history') }} as dim
    left join version_known
        on version_known.merchant_id = dim.merchant_id and version_known.updated_at = dim.valid_from

)

select
    list_dates.as_of_date,
    versions.merchant_id,
    versions.merchant_name,
    versions.category,
    versions.region
from {{ ref('int_scoring__list_dates') }} as list_dates
inner join versions
    on versions.valid_from_date <= list_dates.as_of_date
   and versions.known_on <= list_dates.as_of_date
qualify row_number() over (
    partition by list_dates.as_of_date, versions.merchant_id
    order by versions.valid_from desc
) = 1
