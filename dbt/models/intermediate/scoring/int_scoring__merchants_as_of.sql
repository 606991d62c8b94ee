-- Merchants on each list: every merchant whose first version was known by the list day, with the
-- version in force that day (name, category, region as a build with that cut-off would show them).
{{ config(materialized='table') }}

with

versions as (

    select
        merchant_id,
        merchant_name,
        category,
        region,
        {{ rw_local_date('valid_from') }} as valid_from_date,
        valid_from
    from {{ ref('dim_merchants') }}

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
qualify row_number() over (
    partition by list_dates.as_of_date, versions.merchant_id
    order by versions.valid_from desc
) = 1
