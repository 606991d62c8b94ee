-- The latest version of each merchant as of the cut-off.
{{ rw_latest_version(ref('int_merchants__versions_as_of'), ['merchant_id']) }}
