-- Price honesty checks, published (logic and its unit test: intermediate/core/int_orders__price_checks).
select
    order_id,
    line_no,
    merchant_id,
    sku_id,
    ordered_date_local,
    unit_price,
    list_price,
    reference_price,
    reference_basis,
    verdict
from {{ ref('int_orders__price_checks') }}
