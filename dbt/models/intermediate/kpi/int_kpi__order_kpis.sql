{#- Order-based KPIs: complaints per 1,000 orders, fake original price (from int_orders__price_checks), late
    shipment, order defect rate, and order lines placed under an expired licence (int_merchants__history). -#}
with cutoff as (
    select cutoff_at from {{ ref('int_kpi__cutoff') }}
),

lines as (
    select
        l.order_id,
        l.line_no,
        l.merchant_id,
        l.order_status,
        l.ordered_at,
        l.promised_ship_by,
        case when l.shipped_at <= k.cutoff_at then l.shipped_at end as shipped_at,
        -- the local day and month of ordered_at, derived once per version in int_orders__versions with
        -- the macros behind kpi_local_date / kpi_month (a time-zone conversion per line costs ~1 µs)
        l.ordered_date_local,
        l.order_month as ordered_month,
        l.promised_month,
        k.cutoff_at
    from {{ ref('int_orders__latest') }} as l
    cross join cutoff as k
    where l.ordered_at <= k.cutoff_at
),

-- an order is placed in the month of its earliest line (per merchant: of that merchant's lines)
order_merchant as (
    select order_id, merchant_id, min(ordered_month) as month
    from lines
    group by order_id, merchant_id
),

-- the earliest of its merchants' months: a group-by over the orders, not over every line again (0.5 s
-- less at 10 M order lines)
order_platform as (
    select order_id, min(month) as month
    from order_merchant
    group by order_id
),

complaints as (
    select c.complaint_id, c.order_id, c.merchant_id, coalesce(c.substantiated, false) as substantiated,
           {{ kpi_month('c.received_at') }} as month
    from {{ ref('int_complaints__latest') }} as c
    cross join cutoff as k
    where c.received_at <= k.cutoff_at
),

-- complaints per 1,000 orders
complaints_by_month as (
    select month, {{ kpi_merchant_key() }} as merchant_id, count(*) as complaints
    from complaints
    {{ kpi_group_by('month') }}
),

orders_by_month as (
    select month, null as merchant_id, count(*) as orders from order_platform group by month
    union all
    select month, merchant_id, count(*) as orders from order_merchant group by month, merchant_id
),

per_1000 as (
    select
        coalesce(c.month, o.month) as month,
        coalesce(c.merchant_id, o.merchant_id) as merchant_id,
        coalesce(c.complaints, 0) * 1000 as num,
        coalesce(o.orders, 0) as den
    from complaints_by_month as c
    full outer join orders_by_month as o
        on o.month = c.month and o.merchant_id is not distinct from c.merchant_id
),

-- order defects: a substantiated complaint, or an approved refund with a defect reason
defects as (
    select order_id, merchant_id from complaints where {{ rw_is_defect_complaint() }}
    union
    select r.order_id, r.merchant_id
    from {{ ref('int_refunds__latest') }} as r
    cross join cutoff as k
    where r.requested_at <= k.cutoff_at
      and {{ rw_is_defect_refund('r.decision', 'r.reason') }}
),

-- defects holds distinct (order_id, merchant_id) pairs, so each join below matches an order at most once
defect_orders as (
    select distinct order_id from defects
),

odr as (
    select o.month, null as merchant_id, count(d.order_id) as num, count(*) as den
    from order_platform as o
    left join defect_orders as d on d.order_id = o.order_id
    group by o.month
    union all
    select o.month, o.merchant_id, count(d.order_id) as num, count(*) as den
    from order_merchant as o
    left join defects as d on d.order_id = o.order_id and d.merchant_id = o.merchant_id
    group by o.month, o.merchant_id
),

-- fake original price: lines with a list_price; unverifiable ones are counted apart
price as (
    select
        cast(date_trunc('month', p.ordered_date_local) as date) as month,
        {{ kpi_merchant_key() }} as merchant_id,
        count(*) filter (where p.verdict = 'fake') as fake,
        count(*) filter (where p.verdict <> 'unverifiable') as verifiable,
        count(*) filter (where p.verdict = 'unverifiable') as unverifiable
    from {{ ref('int_orders__price_checks') }} as p
    where p.list_price is not null
    {{ kpi_group_by("cast(date_trunc('month', p.ordered_date_local) as date)") }}
),

-- late shipment, in the month of promised_ship_by; cancelled lines are left out
shipping as (
    select
        promised_month as month,
        merchant_id,
        {{ rw_is_late_shipment(as_of='cutoff_at') }} as is_late,
        shipped_at is null and promised_ship_by >= cutoff_at as is_pending
    from lines
    where {{ rw_counts_for_shipping() }}
),

late as (
    select month, {{ kpi_merchant_key() }} as merchant_id,
           count(*) filter (where is_late) as num,
           count(*) filter (where not is_pending) as den,
           count(*) filter (where is_pending) as pending
    from shipping
    {{ kpi_group_by('month') }}
),

-- Only a merchant with a version whose licence expired before the last order day can have a line
-- ordered after its licence expired: the others' lines would all count 0, which is what the dense grid
-- of int_kpi__monthly gives a count without a row. Ranking every line's merchant versions was the
-- largest step of the KPI build at 10 M order lines (a window over 10.7 M rows).
expiring_merchants as (
    select distinct merchant_id
    from {{ ref('int_merchants__history') }}
    where license_expires_on < (select max(ordered_date_local) from lines)
),

-- the merchant version in force at ordered_at (the earliest one when the order predates them all)
licence as (
    select
        l.ordered_month,
        l.merchant_id,
        l.order_id,
        l.line_no,
        l.ordered_date_local,
        m.license_expires_on,
        row_number() over (
            partition by l.order_id, l.line_no
            order by case when m.valid_from <= l.ordered_at
                           and (m.valid_to is null or l.ordered_at < m.valid_to) then 0 else 1 end,
                     m.valid_from
        ) as rn
    from lines as l
    join {{ ref('int_merchants__history') }} as m on m.merchant_id = l.merchant_id
    where l.merchant_id in (select merchant_id from expiring_merchants)
),

expired as (
    select ordered_month as month, {{ kpi_merchant_key() }} as merchant_id,
           count(*) filter (where license_expires_on is not null
                              and ordered_date_local > license_expires_on) as num
    from licence
    where rn = 1
    {{ kpi_group_by('ordered_month') }}
)

{{ kpi_row('complaints_per_1000_orders', 'per_1000', 'num', 'den') }}
union all
{{ kpi_row('order_defect_rate', 'odr', 'num', 'den') }}
union all
{{ kpi_row('fake_original_price_rate', 'price', 'fake', 'verifiable', unverifiable='unverifiable') }}
union all
{{ kpi_row('fake_original_price_count', 'price', 'fake', unverifiable='unverifiable', kind='count') }}
union all
{{ kpi_row('late_shipment_rate', 'late', 'num', 'den', pending='pending') }}
union all
{{ kpi_row('expired_licence_order_count', 'expired', 'num', kind='count') }}
