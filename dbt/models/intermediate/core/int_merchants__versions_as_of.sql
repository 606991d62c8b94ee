-- Merchant versions the warehouse knew at the cut-off (macro rw_as_of: delivered on or before the
-- cut-off day). Rebuilding with an earlier rw_cutoff reproduces earlier figures.
with

versions as (

    select * from {{ ref('stg_platform__merchants') }}

),

as_of as (

    select * from versions
    where {{ rw_as_of('updated_at', 'delivery_date') }}

)

select * from as_of
