-- The latest version of each personal-information request as of the cut-off, with the number of
-- distinct versions (updated_at values) known at the cut-off.
{{ rw_latest_version(ref('int_privacy_requests__versions_as_of'), ['request_id'], with_version_count=true) }}
