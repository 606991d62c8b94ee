-- The latest version of each order line (order_id, line_no) as of the cut-off.
{{ rw_latest_version(ref('int_orders__versions_as_of'), ['order_id', 'line_no']) }}
