-- The list dates (as_of_date) the enforcement list is built for: every delivery day loaded and every
-- local month end from the first delivery day, up to the list date of this build (var rw_score_as_of,
-- or the cut-off's local day), and that date itself. Building the whole series lets the mart say what
-- changed since the previous list and since when a merchant is at its tier. Every list only uses what
-- was delivered by its own day (evidence known_on <= D) and happened by then (evidence_date <= D), so
-- the list for a past day D equals a build with cut-off D. Before the first delivery nothing was known:
-- no list (a backfill delivery makes its day the first list, whatever the age of the records in it).
{%- set as_of = var('rw_score_as_of') %}

with

as_of as (

    select
        {% if as_of is not none and as_of | string | trim != '' -%}
        cast('{{ as_of | string | trim }}' as date)
        {%- else -%}
        {{ rw_cutoff_local_date() }}
        {%- endif %} as as_of_date

),

delivery_days as (

    select distinct delivery_date as list_date
    from {{ ref('stg_pipeline_meta__file_registry') }}
    where status = 'loaded'

),

first_day as (

    select coalesce((select min(list_date) from delivery_days), (select as_of_date from as_of)) as first_date

),

month_ends as (

    select cast(month_start + interval '1 month' - interval '1 day' as date) as list_date
    from (
        select {{ rw_explode(rw_month_series('(select first_date from first_day)', '(select as_of_date from as_of)')) }} as month_start
    ) as months

),

candidates as (

    select list_date from delivery_days
    union
    select list_date from month_ends
    union
    select as_of_date from as_of

)

select distinct
    candidates.list_date as as_of_date,
    candidates.list_date = as_of.as_of_date as is_latest
from candidates
cross join as_of
where as_of.as_of_date is not null
  and candidates.list_date <= as_of.as_of_date
  and candidates.list_date >= (select first_date from first_day)
