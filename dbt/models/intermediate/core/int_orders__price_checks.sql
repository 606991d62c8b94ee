{#-
  Price honesty (kpis.md, "Reference price"): for each order line with a list_price, of merchant m and
  SKU s ordered on local day d, the reference price is the lowest unit_price of m's lines for s ordered
  on local days d − N … d − 1 (N = var rw_reference_price_days); if there are none, the unit_price of
  m's last line for s ordered before day d; if there is none, the line is unverifiable. Verdict 'fake'
  when list_price > reference price, else 'ok'. Lines of day d itself never set d's reference.
-#}
with

lines as (

    select * from {{ ref('int_orders__latest') }}

),

-- One row per merchant, SKU and local day: the day's lowest unit price and the unit price of the
-- day's last line (latest ordered_at; ties broken by the highest order_id, line_no).
ranked_in_day as (

    select
        merchant_id,
        sku_id,
        ordered_date_local,
        unit_price,
        min(unit_price) over (partition by merchant_id, sku_id, ordered_date_local) as min_unit_price,
        row_number() over (
            partition by merchant_id, sku_id, ordered_date_local
            order by ordered_at desc, order_id desc, line_no desc
        ) as rank_in_day
    from lines

),

daily_last as (

    select
        merchant_id,
        sku_id,
        ordered_date_local,
        min_unit_price,
        unit_price as last_unit_price
    from ranked_in_day
    where rank_in_day = 1

),

checked_lines as (

    select * from lines
    where list_price is not null

),

window_min as (

    select
        checked_lines.order_id,
        checked_lines.line_no,
        min(daily_last.min_unit_price) as reference_price
    from checked_lines
    inner join daily_last
        on daily_last.merchant_id = checked_lines.merchant_id
       and daily_last.sku_id = checked_lines.sku_id
       and daily_last.ordered_date_local >= {{ rw_add_days('checked_lines.ordered_date_local', -var('rw_reference_price_days')) }}
       and daily_last.ordered_date_local < checked_lines.ordered_date_local
    group by checked_lines.order_id, checked_lines.line_no

),

last_before as (

    select order_id, line_no, reference_price
    from (
        select
            checked_lines.order_id,
            checked_lines.line_no,
            daily_last.last_unit_price as reference_price,
            row_number() over (
                partition by checked_lines.order_id, checked_lines.line_no
                order by daily_last.ordered_date_local desc
            ) as day_rank
        from checked_lines
        inner join daily_last
            on daily_last.merchant_id = checked_lines.merchant_id
           and daily_last.sku_id = checked_lines.sku_id
           and daily_last.ordered_date_local < checked_lines.ordered_date_local
    ) as ranked
    where day_rank = 1

),

referenced as (

    select
        checked_lines.order_id,
        checked_lines.line_no,
        checked_lines.merchant_id,
        checked_lines.sku_id,
        checked_lines.ordered_date_local,
        checked_lines.unit_price,
        checked_lines.list_price,
        coalesce(window_min.reference_price, last_before.reference_price) as reference_price,
        case
            when window_min.reference_price is not null then '7day_min'
            when last_before.reference_price is not null then 'last_before'
            else 'none'
        end as reference_basis
    from checked_lines
    left join window_min
        on window_min.order_id = checked_lines.order_id
       and window_min.line_no = checked_lines.line_no
    left join last_before
        on last_before.order_id = checked_lines.order_id
       and last_before.line_no = checked_lines.line_no

)

select
    order_id,
    line_no,
    merchant_id,
    sku_id,
    ordered_date_local,
    unit_price,
    list_price,
    cast(reference_price as decimal(18, 2)) as reference_price,
    reference_basis,
    case
        when reference_price is null then 'unverifiable'
        when list_price > reference_price then 'fake'
        else 'ok'
    end as verdict
from referenced
