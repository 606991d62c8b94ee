-- Selling on an expired or invalid licence (serious, 6 points; E-Commerce Law Arts. 15, 38).
-- The licence that counts for an order line is the merchant version in force at ordered_at (the latest
-- version with updated_at <= ordered_at; a line older than the first version uses the first version).
--   expired: that version's license_expires_on is before the line's local order day (the expiry day
--            itself is still covered); an empty expiry date is a long-term licence.
--   invalid: the version in force is one that ingestion quarantined with rule license_check_failed
--            (its business_license_no fails GB 32100-2015), taken from meta.quarantine; it never
--            reaches dim_merchants; int_merchants__quarantined_versions recovers it from the quarantine.
-- Unit (var rw_score_licence_unit): by default one evidence row per merchant and local day with at
-- least one such line ('merchant_day'): the violation is trading without a valid licence, a continuing
-- state whose gravity is the days traded, not the number of baskets — per line would scale the
-- penalty with sales volume (a busy shop expelled in an hour, a quiet one never). 'order_line' scores
-- every line instead.
with

version_known as (

    {{ rw_first_delivered(ref('int_merchants__versions_as_of'), ['merchant_id', 'updated_at']) }}

),

valid_versions as (

    select
        dim.merchant_id,
        dim.valid_from as version_at,
        dim.license_expires_on,
        false as is_invalid,
        version_known.known_on
    from {{ ref('int_merchants__history') }} as dim
    left join version_known
        on version_known.merchant_id = dim.merchant_id and version_known.updated_at = dim.valid_from

),

invalid_versions as (

    select
        merchant_id,
        updated_at as version_at,
        cast(null as date) as license_expires_on,
        true as is_invalid,
        min(delivery_date) as known_on
    from {{ ref('int_merchants__quarantined_versions') }}
    group by 1, 2, 3, 4

),

versions as (

    select * from valid_versions
    union all
    select * from invalid_versions where version_at is not null

),

first_versions as (

    select *
    from versions
    qualify row_number() over (partition by merchant_id order by version_at, is_invalid) = 1

),

line_known as (

    {{ rw_first_delivered(ref('int_orders__versions_as_of'), ['order_id', 'line_no']) }}

),

lines as (

    select
        order_id,
        line_no,
        merchant_id,
        ordered_at,
        ordered_date_local,
        line_known.known_on as line_known_on
    from {{ ref('int_orders__latest') }}
    left join line_known using (order_id, line_no)

),

in_force as (

    select
        lines.*,
        coalesce(asof_version.version_at, first_versions.version_at) as version_at,
        case when asof_version.merchant_id is not null
            then asof_version.license_expires_on else first_versions.license_expires_on end as license_expires_on,
        case when asof_version.merchant_id is not null
            then asof_version.is_invalid else first_versions.is_invalid end as is_invalid,
        case when asof_version.merchant_id is not null
            then asof_version.known_on else first_versions.known_on end as version_known_on
    from lines
    asof left join versions as asof_version
        on asof_version.merchant_id = lines.merchant_id
       and lines.ordered_at >= asof_version.version_at
    left join first_versions
        on first_versions.merchant_id = lines.merchant_id

),

violating as (

    select
        in_force.*,
        case when is_invalid then 'licence_invalid' else 'licence_expired' end as violation_type,
        greatest(coalesce(line_known_on, ordered_date_local), coalesce(version_known_on, ordered_date_local))
            as known_on
    from in_force
    where is_invalid
       or license_expires_on < ordered_date_local

),

grouped as (

    select
        merchant_id,
        ordered_date_local as evidence_date,
        violation_type,
        {%- if rw_score_licence_unit() == 'merchant_day' %}
        min(order_id) as order_id,
        cast(min(line_no) filter (where order_id = first_order) as bigint) as line_no,
        count(*) as line_count,
        max(license_expires_on) as license_expires_on,
        min(known_on) as known_on
        {%- else %}
        order_id,
        cast(line_no as bigint) as line_no,
        1 as line_count,
        license_expires_on,
        known_on
        {%- endif %}
    from (
        select violating.*, min(order_id) over (partition by merchant_id, ordered_date_local, violation_type) as first_order
        from violating
    ) as v
    {%- if rw_score_licence_unit() == 'merchant_day' %}
    group by merchant_id, ordered_date_local, violation_type
    {%- endif %}

)

select
    violation_type || ':' || merchant_id || ':' || cast(evidence_date as varchar)
        {%- if rw_score_licence_unit() == 'order_line' %} || ':' || order_id || '#' || cast(line_no as varchar){% endif %}
        as evidence_id,
    merchant_id,
    evidence_date,
    violation_type,
    '{{ rw_score_severity("licence_expired") }}' as severity,
    case violation_type
        when 'licence_expired' then {{ rw_score_points('licence_expired') }}
        else {{ rw_score_points('licence_invalid') }}
    end as points,
    cast(null as varchar) as complaint_id,
    cast(null as varchar) as refund_id,
    order_id,
    line_no,
    cast(line_count as varchar) || ' order line(s) sold on '
        || case
            when violation_type = 'licence_invalid' then 'a licence that fails the GB 32100-2015 check'
            else 'a licence expired on ' || cast(license_expires_on as varchar)
           end
        || '; first ' || order_id || '#' || cast(line_no as varchar) as detail,
    cast(null as date) as superseded_on,
    known_on
from grouped
