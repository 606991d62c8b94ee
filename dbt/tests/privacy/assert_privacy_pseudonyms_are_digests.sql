-- The consumer of a personal-information request is a 64-hex-digit keyed pseudonym or the erasure
-- marker, never a clear id (same rule as tests/core/assert_pseudonyms_are_digests.sql).
{{ config(severity='error') }}

select request_id, consumer_key
from {{ ref('fct_privacy_requests') }}
where consumer_key is not null
  and consumer_key <> 'ERASED'
  and not {{ rw_regexp_full_match('consumer_key', '[0-9a-fA-F]{64}') }}
