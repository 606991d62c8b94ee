-- A rate breach is only ever scored for a merchant with enough orders in its window (rate_scored), as
-- judged on the first list that scored it.
{{ config(meta={'dagster': {'ref': {'name': 'fct_violation_evidence'}}}) }}
select evidence.evidence_id
from {{ ref('fct_violation_evidence') }} as evidence
left join {{ ref('int_scoring__rate_windows') }} as rates
    on rates.merchant_id = evidence.merchant_id
   and rates.window_end = evidence.evidence_date
   and rates.as_of_date = evidence.known_on
where substr(evidence.violation_type, 1, 5) = 'rate_'  -- no LIKE escape: a backslash in a string differs on Spark
  and not coalesce(rates.rate_scored, false)
