-- Merchant versions the warehouse knew at the cut-off: updated_at <= cut-off and delivered on or
-- before the cut-off's local day. Rebuilding with an earlier rw_cutoff reproduces earlier figures.
with

versions as (

    select * from {{ ref('stg_platform__merchants') }}

),

as_of as (

    select * from versions
    where {{ rw_as_of('updated_at', 'delivery_date') }}

)

select * from as_of
