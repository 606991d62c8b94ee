{#-
  Order lines: the latest version of each (order_id, line_no) as of the cut-off, the published columns of
  int_orders__latest. Incremental on the same key: a run copies only the lines int_orders__latest ranked
  in this build (ranked_by_build), not every line of history (a whole copy was 2 s of a new day's dbt at
  1 M order lines and 20 s at 10 M, make bench); the post-hook drops the lines int_orders__latest no
  longer has. An explicit rw_cutoff rebuilds every line, as int_orders__latest does.
-#}
{{ config(**rw_as_of_incremental(['order_id', 'line_no'],
                                post_hook="{{ rw_delete_keys_not_in(ref('int_orders__latest'), ['order_id', 'line_no']) }}")) }}

with

latest as (

    select * from {{ ref('int_orders__latest') }}
    {%- if is_incremental() and not var('rw_cutoff') %}
    where ranked_by_build = '{{ invocation_id }}'
    {%- endif %}

)

select
    order_id,
    line_no,
    merchant_id,
    consumer_key,
    consumer_phone_key,
    sku_id,
    quantity,
    unit_price,
    list_price,
    currency,
    ordered_at,
    paid_at,
    promised_ship_by,
    shipped_at,
    delivered_at,
    nrr_exempt,
    order_status,
    channel,
    ship_to_region,
    updated_at,
    line_amount,
    ordered_date_local,
    order_month,
    dq_flags,
    is_known_merchant
from latest
