-- The enforcement list management acts on: one row per merchant and list date (as_of_date).
-- tier / points / reasons / evidence: int_scoring__merchant_tiers (violation-scoring.md).
-- tier_first_reached_on: first list date of the merchant's current uninterrupted run at this tier.
-- previous_tier / tier_change: the tier on the merchant's previous list and tier - previous_tier
-- (NULL on its first list).
-- Management decisions (state store, copied to meta.management_decisions before dbt runs): the latest
-- decision made on a list date within the merchant's current run at this tier, against this computed
-- tier. It is carried into every later list while the computed tier stays the same; any change of the
-- computed tier (above all a new, higher one) ends the run, the old decision no longer shows and the
-- row is open for review again.

with

tiers as (

    select * from {{ ref('int_scoring__merchant_tiers') }}

),

runs as (

    select
        tiers.*,
        lag(tier) over (partition by merchant_id order by as_of_date) as previous_tier,
        row_number() over (partition by merchant_id order by as_of_date)
            - row_number() over (partition by merchant_id, tier order by as_of_date) as run_group
    from tiers

),

first_reached as (

    select
        runs.*,
        min(as_of_date) over (partition by merchant_id, tier, run_group) as tier_first_reached_on
    from runs

),

decisions as (

    {{ rw_score_decisions() }}

),

applicable as (

    select
        first_reached.as_of_date,
        first_reached.merchant_id,
        decisions.decision,
        decisions.decided_tier,
        decisions.reason,
        decisions.decided_by,
        decisions.decided_at
    from first_reached
    inner join decisions
        on decisions.merchant_id = first_reached.merchant_id
       and decisions.computed_tier = first_reached.tier
       and decisions.as_of_date between first_reached.tier_first_reached_on and first_reached.as_of_date
    qualify row_number() over (
        partition by first_reached.as_of_date, first_reached.merchant_id
        order by decisions.decided_at desc, decisions.decision_id desc
    ) = 1

),

labels as (

    select * from (values
    {%- for l in rw_score_tier_labels() %}
        ({{ l.tier }}, '{{ l.name_zh }}', '{{ l.name_en }}', '{{ l.action_zh }}', '{{ l.action_en }}'){{ ',' if not loop.last }}
    {%- endfor %}
    ) as t (tier, tier_name_zh, tier_name_en, recommended_action_zh, recommended_action_en)

),

merchants as (

    select * from {{ ref('int_scoring__merchants_as_of') }}

)

select
    cast(first_reached.as_of_date as date) as as_of_date,
    cast(first_reached.merchant_id as string) as merchant_id,
    cast(merchants.merchant_name as string) as merchant_name,
    cast(merchants.category as string) as category,
    cast(merchants.region as string) as region,
    cast(first_reached.tier as integer) as tier,
    cast(labels.tier_name_zh as string) as tier_name_zh,
    cast(labels.tier_name_en as string) as tier_name_en,
    cast(labels.recommended_action_zh as string) as recommended_action_zh,
    cast(labels.recommended_action_en as string) as recommended_action_en,
    cast(first_reached.general_points as integer) as general_points,
    cast(first_reached.serious_points as integer) as serious_points,
    cast(first_reached.points_by_type as string) as points_by_type,
    cast(first_reached.top_reasons_zh as string) as top_reasons_zh,
    cast(first_reached.top_reasons_en as string) as top_reasons_en,
    cast(first_reached.evidence_count as integer) as evidence_count,
    cast(first_reached.evidence_ids as string) as evidence_ids,
    cast(first_reached.tier_first_reached_on as date) as tier_first_reached_on,
    cast(first_reached.previous_tier as integer) as previous_tier,
    cast(first_reached.tier - first_reached.previous_tier as integer) as tier_change,
    cast(first_reached.rate_scored as boolean) as rate_scored,
    cast(applicable.decision as string) as decision,
    cast(applicable.decided_tier as integer) as decided_tier,
    cast(applicable.reason as string) as decision_reason,
    cast(applicable.decided_by as string) as decided_by,
    cast(applicable.decided_at as timestamp) as decided_at
from first_reached
inner join labels on labels.tier = first_reached.tier
left join merchants
    on merchants.as_of_date = first_reached.as_of_date and merchants.merchant_id = first_reached.merchant_id
left join applicable
    on applicable.as_of_date = first_reached.as_of_date and applicable.merchant_id = first_reached.merchant_id
