-- Points and tier per merchant and list date.
-- Evidence counts on list date D when it is dated in the rw_score_points_window_days (365) local days
-- ending on D — evidence_date between D-364 and D: on day 365 of its life (D = date + 364) it still
-- counts, on day 366 (D = date + 365) it has aged out — it was delivered by D (known_on <= D) and it
-- is not superseded by D.
-- Tier = the higher of the general ladder and the serious ladder (macro rw_score_tier).
-- The merchants on list D: every merchant known by D, and any merchant with evidence counting on D.
{{ config(materialized='table') }}
{%- set days = var('rw_score_points_window_days') %}

with

list_dates as (

    select as_of_date from {{ ref('int_scoring__list_dates') }}

),

counting as (

    select
        list_dates.as_of_date,
        evidence.*
    from list_dates
    inner join {{ ref('int_scoring__evidence') }} as evidence
        on evidence.evidence_date between {{ rw_score_window_start('list_dates.as_of_date', days) }}
                                      and list_dates.as_of_date
       and evidence.known_on <= list_dates.as_of_date
       and (evidence.superseded_on is null or evidence.superseded_on > list_dates.as_of_date)

),

by_type as (

    select
        as_of_date,
        merchant_id,
        violation_type,
        min(severity) as severity,
        count(*) as evidence_count,
        sum(points) as points
    from counting
    group by as_of_date, merchant_id, violation_type

),

ranked as (

    select
        by_type.*,
        type_labels.label_zh,
        type_labels.label_en,
        row_number() over (
            partition by as_of_date, merchant_id
            order by points desc, evidence_count desc, by_type.violation_type
        ) as reason_rank
    from by_type
    left join {{ rw_score_type_values() }} on type_labels.violation_type = by_type.violation_type

),

reasons as (

    select
        as_of_date,
        merchant_id,
        -- keys sorted, so the same evidence always gives the same text (types are plain identifiers)
        '{' || {{ rw_string_agg(
            "'\"' || violation_type || '\":' || cast(points as string)", ',', 'violation_type') }} || '}'
            as points_by_type,
        {{ rw_string_agg(
            "label_zh || ' ' || cast(evidence_count as string) || ' 次（' || cast(points as string) || ' 分）'",
            '；', 'reason_rank') }} filter (where reason_rank <= 3) as top_reasons_zh,
        {{ rw_string_agg(
            "label_en || ' x' || cast(evidence_count as string) || ' (' || cast(points as string) || ' pts)'",
            '; ', 'reason_rank') }} filter (where reason_rank <= 3) as top_reasons_en
    from ranked
    group by as_of_date, merchant_id

),

totals as (

    select
        as_of_date,
        merchant_id,
        cast(coalesce(sum(points) filter (where severity = 'general'), 0) as integer) as general_points,
        cast(coalesce(sum(points) filter (where severity = 'serious'), 0) as integer) as serious_points,
        cast(count(*) as integer) as evidence_count,
        {{ rw_string_agg('evidence_id', ',', 'evidence_date, evidence_id') }} as evidence_ids
    from counting
    group by as_of_date, merchant_id

),

listed as (

    select as_of_date, merchant_id from {{ ref('int_scoring__merchants_as_of') }}
    union
    select as_of_date, merchant_id from totals

)

select
    listed.as_of_date,
    listed.merchant_id,
    coalesce(totals.general_points, 0) as general_points,
    coalesce(totals.serious_points, 0) as serious_points,
    cast({{ rw_score_tier('totals.general_points', 'totals.serious_points') }} as integer) as tier,
    coalesce(reasons.points_by_type, '{}') as points_by_type,
    reasons.top_reasons_zh,
    reasons.top_reasons_en,
    coalesce(totals.evidence_count, 0) as evidence_count,
    totals.evidence_ids,
    coalesce(rates.rate_scored, false) as rate_scored
from listed
left join totals using (as_of_date, merchant_id)
left join reasons using (as_of_date, merchant_id)
left join {{ ref('int_scoring__rate_windows') }} as rates
    on rates.as_of_date = listed.as_of_date
   and rates.merchant_id = listed.merchant_id
   and rates.window_end = listed.as_of_date
