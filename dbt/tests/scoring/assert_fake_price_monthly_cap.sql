-- No merchant earns more than rw_score_fake_price_monthly_cap fake-price points in a calendar month.
select
    merchant_id,
    date_trunc('month', evidence_date) as month,
    sum(points) as points
from {{ ref('fct_violation_evidence') }}
where violation_type = 'fake_original_price'
group by 1, 2
having sum(points) > {{ var('rw_score_fake_price_monthly_cap') }}
