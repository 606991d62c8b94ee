-- Personal data must never reach the marts in clear: every pseudonym column holds a 64-hex-digit
-- HMAC-SHA256 digest, the erasure marker 'ERASED' (the person was erased: dagster_project/privacy), or
-- NULL. A phone number or consumer id in clear fails this test and blocks
-- publication. (PIPL Art. 51: technical measures such as de-identification.)
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_order_lines'}}}) }}

-- depends_on: {{ ref('int_orders__latest') }}  (the lines an incremental build changed)
{%- set since = rw_tested_since() %}

with

-- On an incremental build, the order lines it changed (macro rw_tested_since): the others passed this
-- test when they were written and were kept as they were. A full build checks every line.
lines as (

    select consumer_key, consumer_phone_key
    {%- if since is none %}
    from {{ ref('fct_order_lines') }}
    {%- else %}
    from {{ rw_rows_of_changed_keys(ref('fct_order_lines'), ['order_id', 'line_no'],
                                    rw_changed_keys(ref('int_orders__latest'), ['order_id', 'line_no'], since,
                                                    'ranked_by_build')) }} as line
    {%- endif %}

),

pseudonyms as (

    select 'fct_order_lines.consumer_key' as column_name, consumer_key as value
    from lines
    union all
    select 'fct_order_lines.consumer_phone_key', consumer_phone_key
    from lines
    union all
    select 'fct_complaints.consumer_key', consumer_key
    from {{ ref('fct_complaints') }}
    union all
    select 'dim_merchants.contact_phone_key', contact_phone_key
    from {{ ref('dim_merchants') }}

)

select column_name, value
from pseudonyms
where value is not null
  and value <> 'ERASED'
  and not {{ rw_regexp_full_match('value', '[0-9a-fA-F]{64}') }}
