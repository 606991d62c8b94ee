-- Merchant versions ingestion quarantined because their business_license_no fails the GB 32100-2015
-- check (rule license_check_failed): they never reach raw.merchants, yet a regulator must see that the
-- licence in force was invalid. Recovered once, here, from the quarantined raw values, for the licence
-- KPI and the licence evidence. updated_at is read as ingestion reads it (macro rw_landing_ts_to_utc);
-- NULL when it does not parse.
with

quarantined as (

    select * from {{ ref('stg_pipeline_meta__quarantine') }}
    where source = 'merchants'
      and rule = 'license_check_failed'

),

parsed as (

    select
        {{ rw_json_text('raw_values', 'merchant_id') }} as merchant_id,
        {{ rw_landing_ts_to_utc(rw_json_text('raw_values', 'updated_at')) }} as updated_at,
        {{ rw_json_text('raw_values', 'business_license_no') }} as business_license_no,
        {{ rw_json_text('raw_values', 'status') }} as status,
        delivery_date,
        file_name,
        line as file_line
    from quarantined

)

select * from parsed
where merchant_id is not null
