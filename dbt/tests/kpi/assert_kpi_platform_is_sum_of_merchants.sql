-- For additive figures the platform row is the sum of the merchant rows (every record has a merchant,
-- known or not). Not additive: medians, order_defect_rate (an order counts once however many of its
-- merchants have a defect) and the order denominator of complaints_per_1000_orders.
with sums as (
    select month, kpi_code,
           sum(numerator) as numerator,
           sum(denominator) as denominator,
           sum(pending_count) as pending_count,
           sum(unverifiable_count) as unverifiable_count
    from {{ ref('rpt_kpi_monthly') }}
    where merchant_id is not null
    group by month, kpi_code
)
select p.month, p.kpi_code, p.numerator, s.numerator as merchants_numerator,
       p.denominator, s.denominator as merchants_denominator
from {{ ref('rpt_kpi_monthly') }} as p
join sums as s on s.month = p.month and s.kpi_code = p.kpi_code
where p.merchant_id is null
  and p.kpi_code not in ('complaint_resolution_median_hours', 'refund_median_days', 'order_defect_rate')
  and (abs(coalesce(p.numerator, 0) - coalesce(s.numerator, 0)) > 1e-6
       or (p.kpi_code <> 'complaints_per_1000_orders' and p.denominator is distinct from s.denominator)
       or p.pending_count <> s.pending_count
       or p.unverifiable_count <> s.unverifiable_count)
