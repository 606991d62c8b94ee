-- Selling on an expired or invalid licence (serious, 6 points; E-Commerce Law Arts. 15, 38).
-- The licence that counts for an order line is the merchant version in force at ordered_at (the latest
-- version with updated_at <= ordered_at; a line older than the first version uses the first version).
--   expired: that version's license_expires_on is before the line's local order day (the expiry day
--            itself is still covered); an empty expiry date is a long-term licence.
--   invalid: the version in force is one that ingestion quarantined with rule license_check_failed
--            (its business_license_no fails GB 32100-2015), taken from meta.quarantine; it never
--            reaches dim_merchants; int_merchants__quarantined_versions recovers it from the quarantine.
-- Derived per merchant version over the list days it was known (macro rw_known_intervals), not from the
-- current versions: a past list keeps the finding that a later delivery reversed (a corrected copy of the
-- version, or a renewal backdated before the sale), and the reversal ends it (superseded_on), as builds
-- with those days as cut-off show. A merchant's known versions change only on the delivery days of its
-- versions (epochs); each epoch finds the version in force for every line known by then.
-- Unit (var rw_score_licence_unit): by default one evidence row per merchant and local day with at
-- least one such line ('merchant_day'): the violation is trading without a valid licence, a continuing
-- state whose gravity is the days traded, not the number of baskets — per line would scale the
-- penalty with sales volume (a busy shop expelled in an hour, a quiet one never). 'order_line' scores
-- every line instead.
with

-- loaded versions and versions quarantined as invalid, in one shape, each copy with the list days it was
-- the known copy of its version (merchant_id, updated_at)
delivered_versions as (

    select
        merchant_id,
        updated_at,
        license_expires_on,
        false as is_invalid,
        delivery_date,
        loaded_at,
        file_name,
        file_line
    from {{ ref('int_merchants__versions_as_of') }}

    union all

    select
        merchant_id,
        updated_at,
        cast(null as date) as license_expires_on,
        true as is_invalid,
        delivery_date,
        cast(null as timestamp) as loaded_at,
        file_name,
        file_line
    from {{ ref('int_merchants__quarantined_versions') }}
    where updated_at is not null

),

versions as (

    {{ rw_known_intervals('delivered_versions', ['merchant_id', 'updated_at']) }}

),

epochs as (

    {{ rw_known_epochs('versions', ['merchant_id']) }}

),

-- the versions each epoch knows
epoch_versions as (

    select
        epochs.merchant_id,
        epochs.epoch_start,
        epochs.epoch_end,
        versions.updated_at as version_at,
        versions.license_expires_on,
        versions.is_invalid
    from epochs
    inner join versions
        on versions.merchant_id = epochs.merchant_id
       and versions.known_from <= epochs.epoch_start
       and (versions.known_to is null or versions.known_to > epochs.epoch_start)

),

first_versions as (

    select *
    from epoch_versions
    qualify row_number() over (
        partition by merchant_id, epoch_start order by version_at, is_invalid
    ) = 1

),

-- Only a merchant with a version quarantined as invalid, or with a licence that expired before the last
-- order day, can have a violating line: the version in force is always one of its own versions. The
-- other merchants' lines cannot match; reading them was most of this model's cost (at 10 M order lines
-- 0.3 M lines belong to such merchants).
suspect_merchants as (

    select distinct merchant_id
    from delivered_versions
    where is_invalid
       or license_expires_on < (select max(ordered_date_local) from {{ ref('int_orders__latest') }})

),

suspect_lines as (

    select order_id, line_no, merchant_id, ordered_at, ordered_date_local
    from {{ ref('int_orders__latest') }}
    where merchant_id in (select merchant_id from suspect_merchants)

),

-- the first delivery of each suspect line, by its key: an earlier version may name another merchant
suspect_line_versions as (

    select versions.order_id, versions.line_no, versions.delivery_date
    from {{ ref('int_orders__versions_as_of') }} as versions
    inner join suspect_lines
        on suspect_lines.order_id = versions.order_id
       and suspect_lines.line_no = versions.line_no

),

line_known as (

    {{ rw_first_delivered('suspect_line_versions', ['order_id', 'line_no']) }}

),

lines as (

    select
        order_id,
        line_no,
        merchant_id,
        ordered_at,
        ordered_date_local,
        coalesce(line_known.known_on, ordered_date_local) as line_known_on
    from suspect_lines
    left join line_known using (order_id, line_no)

),

-- each line in every epoch of its merchant that ends after the line is known
epoch_lines as (

    select lines.*, epochs.epoch_start, epochs.epoch_end
    from lines
    inner join epochs
        on epochs.merchant_id = lines.merchant_id
       and (epochs.epoch_end is null or epochs.epoch_end > lines.line_known_on)

),

in_force as (

    select
        epoch_lines.*,
        case when asof_version.merchant_id is not null
            then asof_version.license_expires_on else first_versions.license_expires_on end as license_expires_on,
        case when asof_version.merchant_id is not null
            then asof_version.is_invalid else first_versions.is_invalid end as is_invalid
    from epoch_lines
    {{ rw_asof_left_join('epoch_versions', 'asof_version',
                         {'epoch_lines.merchant_id': 'merchant_id', 'epoch_lines.epoch_start': 'epoch_start'},
                         'epoch_lines.ordered_at', 'version_at', 'is_invalid') }}
    inner join first_versions
        on first_versions.merchant_id = epoch_lines.merchant_id
       and first_versions.epoch_start = epoch_lines.epoch_start

),

violating as (

    select
        in_force.*,
        case when is_invalid then 'licence_invalid' else 'licence_expired' end as violation_type,
        greatest(epoch_start, line_known_on) as known_from
    from in_force
    where is_invalid
       or license_expires_on < ordered_date_local

),

grouped as (

    select
        merchant_id,
        ordered_date_local as evidence_date,
        violation_type,
        epoch_start,
        any_value(epoch_end) as known_to,
        {%- if rw_score_licence_unit() == 'merchant_day' %}
        min(order_id) as order_id,
        cast(min(line_no) filter (where order_id = first_order) as bigint) as line_no,
        count(*) as line_count,
        max(license_expires_on) as license_expires_on,
        min(known_from) as known_from
        {%- else %}
        order_id,
        cast(line_no as bigint) as line_no,
        1 as line_count,
        license_expires_on,
        known_from
        {%- endif %}
    from (
        select
            violating.*,
            min(order_id) over (
                partition by merchant_id, ordered_date_local, violation_type, epoch_start
            ) as first_order
        from violating
    ) as v
    {%- if rw_score_licence_unit() == 'merchant_day' %}
    group by merchant_id, ordered_date_local, violation_type, epoch_start
    {%- else %}
    group by all
    {%- endif %}

),

per_version as (

    select
        violation_type || ':' || merchant_id || ':' || cast(evidence_date as string)
            {%- if rw_score_licence_unit() == 'order_line' %} || ':' || order_id || '#' || cast(line_no as string){% endif %}
            as evidence_id,
        merchant_id,
        evidence_date,
        violation_type,
        '{{ rw_score_severity("licence_expired") }}' as severity,
        case violation_type
            when 'licence_expired' then {{ rw_score_points('licence_expired') }}
            else {{ rw_score_points('licence_invalid') }}
        end as points,
        cast(null as string) as complaint_id,
        cast(null as string) as refund_id,
        order_id,
        line_no,
        cast(line_count as string) || ' order line(s) sold on '
            || case
                when violation_type = 'licence_invalid' then 'a licence that fails the GB 32100-2015 check'
                else 'a licence expired on ' || cast(license_expires_on as string)
               end
            || '; first ' || order_id || '#' || cast(line_no as string) as detail,
        cast(null as date) as stage_superseded_on,
        known_from,
        known_to
    from grouped

),

-- consecutive epochs with the same finding make one row; the line count may grow as late lines arrive
evidence as (

    {{ rw_score_evidence_islands('per_version', compare_detail=false) }}

)

select * from evidence
