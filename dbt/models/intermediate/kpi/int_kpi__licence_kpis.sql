{#- invalid_licence_merchant_count, at each month end (or the cut-off, when earlier).
    A merchant version whose business_license_no fails the GB 32100-2015 check never reaches
    raw.merchants: ingestion quarantines it (rule license_check_failed). What a regulator expects is the
    number of operating merchants whose licence number in force at the month end is invalid, so the
    latest version of each merchant (by updated_at, at or before the month end or the cut-off, among the
    versions delivered by the cut-off) is taken over loaded versions (licence valid) and quarantined ones
    (licence invalid) alike; the merchant counts when that version fails the check
    and its status is operating (var rw_operating_merchant_statuses). -#}
with cutoff as (
    select cutoff_at from {{ ref('int_kpi__cutoff') }}
),

months as (
    select
        m.month,
        least(
            cast({{ rw_from_local("cast(m.next_month as timestamp) - interval '1 microsecond'") }} as timestamp),
            k.cutoff_at
        ) as as_of_at
    from {{ ref('int_kpi__months') }} as m
    cross join cutoff as k
),

loaded as (
    select
        merchant_id,
        updated_at,
        delivery_date,
        status,
        true as licence_ok
    from {{ ref('stg_platform__merchants') }}
),

quarantined as (
    select
        merchant_id,
        updated_at,
        delivery_date,
        status,
        false as licence_ok
    from {{ ref('int_merchants__quarantined_versions') }}
),

versions as (
    select
        merchant_id,
        -- a version with an unreadable updated_at is dated by the end of its delivery day
        coalesce(updated_at,
                 cast({{ rw_from_local("cast(" ~ rw_add_days('delivery_date', 1) ~ " as timestamp) - interval '1 microsecond'") }} as timestamp))
            as version_at,
        delivery_date,
        status,
        licence_ok
    from (select * from loaded union all select * from quarantined) as v
    where merchant_id is not null
),

latest as (
    select
        m.month,
        v.merchant_id,
        v.status,
        v.licence_ok,
        row_number() over (
            partition by m.month, v.merchant_id
            order by v.version_at desc, v.delivery_date desc, v.licence_ok
        ) as rn
    from months as m
    cross join cutoff as k
    join versions as v
        on v.version_at <= m.as_of_at
       -- known at the cut-off (like every fact): a backfill delivered later still tells what was in
       -- force at an earlier month end
       and v.delivery_date <= {{ kpi_local_date('k.cutoff_at') }}
),

invalid as (
    select month, {{ kpi_merchant_key() }} as merchant_id,
           count(*) filter (where not licence_ok
                              and status in {{ kpi_in_list('rw_operating_merchant_statuses') }}) as num
    from latest
    where rn = 1
    {{ kpi_group_by('month') }}
)

{{ kpi_row('invalid_licence_merchant_count', 'invalid', 'num', kind='count') }}
