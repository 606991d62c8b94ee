{#- Every reporting month published: from the earliest start-event month in the facts up to the
    month of the cut-off (later months are not reported: they have not started at the cut-off). -#}
{#- A local month never decreases as the UTC instant grows, so the first month is the month of the
    earliest event: one time-zone conversion per source instead of one per row. -#}
with bounds as (
    select least(
        (select {{ kpi_month('min(received_at)') }} from {{ ref('int_complaints__latest') }}),
        (select {{ kpi_month('min(ordered_at)') }} from {{ ref('int_orders__latest') }}),
        (select {{ kpi_month('min(requested_at)') }} from {{ ref('int_refunds__latest') }})
    ) as first_month,
    (select cutoff_month from {{ ref('int_kpi__cutoff') }}) as last_month
)
select cast(m as date) as month,
       cast(m + interval 1 month as date) as next_month
from (
    select {{ rw_explode(rw_month_series('coalesce(first_month, last_month)', 'last_month')) }} as m
    from bounds
    where last_month is not null
) as months
