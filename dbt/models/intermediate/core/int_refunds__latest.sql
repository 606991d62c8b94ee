-- The latest version of each refund request as of the cut-off.
{{ rw_latest_version(ref('int_refunds__versions_as_of'), ['refund_id']) }}
