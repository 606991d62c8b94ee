-- Fake original price (general, 2 points per order line; Price Marking and Price Fraud Provisions
-- Art. 16): the line's list_price is above its reference price (int_orders__price_checks: the merchant's
-- lowest unit price for the SKU over the previous days).
-- Monthly cap, explicit here: per merchant and local calendar month, lines are taken in order
-- (order day, order id, line no); each earns its points until the month's total reaches
-- rw_score_fake_price_monthly_cap (12). Lines past the cap stay as evidence with 0 points and say so,
-- so the list shows every fake price while one bad month cannot outweigh a serious violation.
-- Derived from every version of the line over the list days it was the version known (macro
-- rw_known_intervals), not from the current version: a list of a past day keeps a fake price that a later
-- version corrected, and the correction ends it (superseded_on), as builds with those days as cut-off
-- show. The cap is applied per list: within a merchant-month the lines known fake change only on the
-- days a version arrives or is replaced (epochs), and each epoch ranks the lines it knows. The reference
-- price is the one of the current build (the merchant's other lines), which later versions rarely move.
{%- set per_line = rw_score_points('fake_original_price') %}
{%- set cap = var('rw_score_fake_price_monthly_cap') %}

with

-- every version of the lines that are fake in at least one version
candidate_versions as (

    select
        versions.*,
        checks.reference_price,
        checks.reference_basis
    from {{ ref('int_orders__versions_as_of') }} as versions
    inner join {{ ref('int_orders__price_checks') }} as checks
        on checks.order_id = versions.order_id
       and checks.line_no = versions.line_no
    qualify bool_or(versions.list_price > checks.reference_price)
        over (partition by versions.order_id, versions.line_no)

),

versions as (

    {{ rw_known_intervals('candidate_versions', ['order_id', 'line_no']) }}

),

fake as (

    select
        versions.*,
        cast(date_trunc('month', ordered_date_local) as date) as cap_month
    from versions
    where list_price > reference_price

),

epochs as (

    {{ rw_known_epochs('fake', ['merchant_id', 'cap_month']) }}

),

ranked as (

    select
        fake.*,
        epochs.epoch_start,
        epochs.epoch_end,
        row_number() over (
            partition by fake.merchant_id, fake.cap_month, epochs.epoch_start
            order by fake.ordered_date_local, fake.order_id, fake.line_no
        ) as month_seq
    from fake
    inner join epochs
        on epochs.merchant_id = fake.merchant_id
       and epochs.cap_month = fake.cap_month
       and epochs.epoch_start >= fake.known_from
       and (fake.known_to is null or epochs.epoch_start < fake.known_to)

),

scored as (

    select
        ranked.*,
        greatest(0, least({{ per_line }}, {{ cap }} - (month_seq - 1) * {{ per_line }})) as points
    from ranked

),

per_version as (

    select
        'fake_original_price:' || order_id || '#' || cast(line_no as string) as evidence_id,
        merchant_id,
        ordered_date_local as evidence_date,
        'fake_original_price' as violation_type,
        '{{ rw_score_severity("fake_original_price") }}' as severity,
        points,
        cast(null as string) as complaint_id,
        cast(null as string) as refund_id,
        order_id,
        cast(line_no as bigint) as line_no,
        'order line ' || order_id || '#' || cast(line_no as string) || ' (' || sku_id || '): list price '
            || cast(list_price as string) || ' above the reference price ' || cast(reference_price as string)
            || ' (' || reference_basis || ')'
            || case when points < {{ per_line }}
                then '; monthly cap of {{ cap }} points for ' || {{ rw_format_ts('cap_month', '%Y-%m') }} || ' reached'
                else '' end as detail,
        cast(null as date) as stage_superseded_on,
        epoch_start as known_from,
        epoch_end as known_to
    from scored

),

evidence as (

    {{ rw_score_evidence_islands('per_version') }}

)

select * from evidence
