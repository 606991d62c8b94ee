-- The latest version of each complaint as of the cut-off, with the number of distinct versions
-- (updated_at values) known at the cut-off.
{{ rw_latest_version(ref('int_complaints__versions_as_of'), ['complaint_id'], with_version_count=true) }}
