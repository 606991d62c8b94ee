-- A zero denominator gives no value (never 0); breached is NULL exactly when the value is NULL or the
-- KPI is monitor-only; rates equal numerator / denominator.
select *
from {{ ref('rpt_kpi_monthly') }}
where (denominator = 0 and value is not null)
   or ((breached is null) <> (value is null or target_operator = 'monitor'))
   or (denominator > 0 and numerator is not null and abs(value - numerator / denominator) > 1e-9)
