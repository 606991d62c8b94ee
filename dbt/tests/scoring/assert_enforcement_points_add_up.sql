-- The points on each list row are exactly the points of the evidence ids it lists, and the tier is
-- what the ladders give for them: the list can be explained line by line.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_merchant_enforcement'}}}) }}
with listed as (

    select
        enforcement.as_of_date,
        enforcement.merchant_id,
        enforcement.general_points,
        enforcement.serious_points,
        enforcement.tier,
        enforcement.evidence_count,
        {{ rw_explode_csv("coalesce(enforcement.evidence_ids, '')") }} as evidence_id
    from {{ ref('rpt_merchant_enforcement') }} as enforcement

),

summed as (

    select
        listed.as_of_date,
        listed.merchant_id,
        any_value(listed.general_points) as general_points,
        any_value(listed.serious_points) as serious_points,
        any_value(listed.tier) as tier,
        any_value(listed.evidence_count) as evidence_count,
        count(evidence.evidence_id) as found,
        coalesce(sum(evidence.points) filter (where evidence.severity = 'general'), 0) as general_sum,
        coalesce(sum(evidence.points) filter (where evidence.severity = 'serious'), 0) as serious_sum
    from listed
    left join {{ ref('fct_violation_evidence') }} as evidence on evidence.evidence_id = listed.evidence_id
    group by listed.as_of_date, listed.merchant_id

)

select *
from summed
where general_points <> general_sum
   or serious_points <> serious_sum
   or evidence_count <> found
   or tier <> {{ rw_score_tier('general_sum', 'serious_sum') }}
