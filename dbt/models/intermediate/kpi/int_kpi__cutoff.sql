{#- The cut-off every KPI of this build is computed as of (one row), the same instant the facts are
    "as of" (macro rw_cutoff_utc: var rw_cutoff, a local timestamp, or else the end of the latest
    delivery day loaded). cutoff_at is UTC like every warehouse timestamp; cutoff_local and cutoff_month
    are in rw_reporting_tz; is_explicit tells an "as of" build (rw_cutoff set). -#}
with cutoff as (
    select cast({{ rw_cutoff_utc() }} as timestamp) as cutoff_at
)
select
    cutoff_at,
    cast({{ kpi_local('cutoff_at') }} as timestamp) as cutoff_local,
    {{ kpi_month('cutoff_at') }} as cutoff_month,
    {{ 'true' if var('rw_cutoff') else 'false' }} as is_explicit
from cutoff
