-- One row per substantiated violation: the line-by-line ground of every enforcement list
-- (rules in intermediate/scoring/int_scoring__evidence.sql and the models it unions).
select
    evidence_id,
    merchant_id,
    evidence_date,
    violation_type,
    severity,
    points,
    complaint_id,
    refund_id,
    order_id,
    line_no,
    detail,
    superseded_on,
    known_on
from {{ ref('int_scoring__evidence') }}
