{#- Order of record versions, newest first: the latest updated_at wins (landing contract); among copies
    of the same version delivered more than once, the latest delivery, then the latest load, then the
    file name and line make the choice deterministic, so a rebuild always picks the same row. -#}
{% macro rw_version_order() -%}
    updated_at desc, delivery_date desc, loaded_at desc, file_name desc, file_line desc
{%- endmacro %}


{#- TRUE when a version's updated_at (UTC naive) lies after the end of its delivery day in the reporting
    time zone: impossible at delivery time, an exporter's clock or time-zone error. Landing contract 1.1
    loads such a version, visible from its delivery day, with the soft flag `updated_at_after_delivery`
    (computed here, in staging, from `_delivery_date`, so ingestion stays engine-neutral and untouched). -#}
{% macro rw_updated_after_delivery(version_col='updated_at', delivery_col='delivery_date') -%}
    coalesce({{ version_col }} > {{ rw_from_local(
        "cast(" ~ rw_add_days(delivery_col, 1) ~ " as timestamp) - interval '1 microsecond'") }}, false)
{%- endmacro %}


{#- The staging expression for a source's soft-rule flags: ingestion's `_dq_flags` plus
    `updated_at_after_delivery` (above). -#}
{% macro rw_staging_dq_flags(version_col='updated_at', delivery_col='_delivery_date') -%}
    {{ rw_csv_append('_dq_flags',
        "case when " ~ rw_updated_after_delivery(version_col, delivery_col) ~ " then 'updated_at_after_delivery' end") }}
{%- endmacro %}


{#- rw_known_intervals(relation, key_cols): every row of `relation` (record versions with delivery_date,
    updated_at, loaded_at, file_name, file_line) with the list days on which it was the record's
    version, as the warehouse knew it on that day: known_from = its delivery day; known_to = the first
    delivery day of any version that outranks it (rw_version_order), NULL while none does. The row is
    the version seen by a build with cut-off D exactly when known_from <= D < known_to; rows that were
    never current (outranked before they arrived) are left out. Used to derive each past list from
    the versions known on its own day, so a later reversal does not rewrite history. -#}
{% macro rw_known_intervals(relation, key_cols) -%}
    select *
    from (
        select
            known_versions.*,
            known_versions.delivery_date as known_from,
            min(known_versions.delivery_date) over (
                partition by {{ key_cols | join(', ') }}
                order by {{ rw_version_order() }}
                rows between unbounded preceding and 1 preceding
            ) as known_to
        from {{ relation }} as known_versions
    ) as intervals
    where known_to is null or known_to > known_from
{%- endmacro %}


{#- rw_first_delivered(relation, key_cols): one row per key of `relation` (record versions with
    delivery_date) with known_on = the first delivery day holding it: no list dated before it can know
    the key (for a reference check: the keys the warehouse knows at all). -#}
{% macro rw_first_delivered(relation, key_cols) -%}
    select {{ key_cols | join(', ') }}, min(delivery_date) as known_on
    from {{ relation }}
    group by {{ key_cols | join(', ') }}
{%- endmacro %}


{#- rw_keys_among(relation, key, among): the distinct values of ``key`` in ``relation`` that ``among`` (a
    CTE or relation with a column ``key``) names: whether a referenced record exists, when only that
    is needed. The complaint and refund versions asked rw_first_delivered for every order, a group-by
    over all order-line versions (7.6 M groups at 10 M lines) to look up ~250 k order ids: half of
    their select; this scans the versions against the few ids instead. -#}
{% macro rw_keys_among(relation, key, among) -%}
    select distinct known.{{ key }}
    from {{ relation }} as known
    where known.{{ key }} in (select {{ key }} from {{ among }})
{%- endmacro %}


{#- rw_latest_version(relation, key_cols, with_version_count=false): the latest version of each key of
    `relation` (record versions) by rw_version_order, with version_rank (= 1) and, when asked,
    version_count = the number of distinct versions (updated_at values) of the key in `relation`: a
    copy of a version delivered twice is one version. The one definition behind every int_*__latest.
    The window ranks only the keys, the order columns and where each version came from (delivery day,
    file, line: one version each; every source's staging model tests it unique, and a *_versions_as_of
    keeps a subset of those rows), and the winners' whole rows are then taken by that identity. Ranking
    whole rows carried every column through the window's sort: at 10 M order lines it took 46 s alone
    (93 s beside the order facts in a full build); this form took 20 s alone on the same work file
    (docs/performance.md, sixteenth session). -#}
{% macro rw_latest_version(relation, key_cols, with_version_count=false) -%}
    {%- set keys = key_cols | join(', ') -%}
    select
        versions.*,
        winners.version_rank
        {%- if with_version_count %},
        version_counts.version_count
        {%- endif %}
    from {{ relation }} as versions
    inner join (
        select delivery_date, file_name, file_line, version_rank
        from (
            select
                delivery_date,
                file_name,
                file_line,
                row_number() over (partition by {{ keys }} order by {{ rw_version_order() }}) as version_rank
            from {{ relation }}
        ) as ranked
        where ranked.version_rank = 1
    ) as winners
        on winners.delivery_date = versions.delivery_date
       and winners.file_name = versions.file_name
       and winners.file_line = versions.file_line
    {%- if with_version_count %}
    inner join (
        select {{ keys }}, count(distinct updated_at) as version_count
        from {{ relation }}
        group by {{ keys }}
    ) as version_counts
        on {% for key in key_cols %}{{ 'and ' if not loop.first }}versions.{{ key }} = version_counts.{{ key }} {% endfor %}
    {%- endif %}
{%- endmacro %}


{#- The delivery metadata every staging model of a landing source carries, renamed the same way: where
    the version came from (delivery day, file, hash, line), its soft-rule flags, its extra columns and
    when it was loaded. One list, so a new metadata column reaches every source. -#}
{% macro rw_delivery_metadata() -%}
        _delivery_date as delivery_date,
        _file_name as file_name,
        _file_sha256 as file_sha256,
        _line as file_line,
        {{ rw_staging_dq_flags() }} as dq_flags,
        _extra_columns as extra_columns,
        _loaded_at as loaded_at
{%- endmacro %}


{#- rw_known_epochs(relation, partition_by): the spans of days over which the set of known versions of a
    partition does not change. relation holds rw_known_intervals rows (known_from, known_to); one row per
    partition and epoch_start (a day a version became or stopped being known), with epoch_end the next
    such day (NULL: still in force). A finding judged per epoch is what the list of any day in it saw. -#}
{% macro rw_known_epochs(relation, partition_by) -%}
{%- set keys = partition_by | join(', ') -%}
select
    {{ keys }},
    epoch_start,
    lead(epoch_start) over (partition by {{ keys }} order by epoch_start) as epoch_end
from (
    select {{ keys }}, known_from as epoch_start from {{ relation }}
    union
    select {{ keys }}, known_to as epoch_start from {{ relation }} where known_to is not null
) as boundaries
{%- endmacro %}
