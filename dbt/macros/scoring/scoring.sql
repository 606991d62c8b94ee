{#-
  Merchant violation scoring (violation-scoring.md v1). Every weight, threshold, window and ladder
  comes from vars, declared once with their defaults in dbt_project.yml (rw_score_*).
-#}

{#- Points of one violation type (var rw_score_points). `licence_expired` uses its own key when
    configured, else the licence weight `licence_invalid` (the spec gives both 6). -#}
{% macro rw_score_points(violation_type) -%}
    {%- set points = var('rw_score_points') -%}
    {%- if violation_type in points -%}
        {{- return(points[violation_type]) -}}
    {%- elif violation_type == 'licence_expired' -%}
        {{- return(points['licence_invalid']) -}}
    {%- else -%}
        {{- exceptions.raise_compiler_error("rw_score_points has no weight for " ~ violation_type) -}}
    {%- endif -%}
{%- endmacro %}


{#- Violation types that are serious (separate ladder); every other type is general. -#}
{% macro rw_score_serious_types() -%}
    {{- return(var('rw_score_serious_types')) -}}
{%- endmacro %}

{% macro rw_score_severity(violation_type) -%}
    {{- return('serious' if violation_type in rw_score_serious_types() else 'general') -}}
{%- endmacro %}


{#- Complaint issue_code -> violation type, for substantiated complaints. -#}
{% macro rw_score_complaint_types() -%}
    {{- return(var('rw_score_complaint_types')) -}}
{%- endmacro %}


{#- Unit of the licence violation: 'merchant_day' (default: one evidence row per merchant and local
    day on which it sold on an expired or invalid licence) or 'order_line' (one per line). -#}
{% macro rw_score_licence_unit() -%}
    {%- set unit = var('rw_score_licence_unit') -%}
    {%- if unit not in ['merchant_day', 'order_line'] -%}
        {{- exceptions.raise_compiler_error("rw_score_licence_unit must be merchant_day or order_line") -}}
    {%- endif -%}
    {{- return(unit) -}}
{%- endmacro %}


{#- First day of a window of `days` calendar days ending on (and including) DATE d:
    d - (days - 1). A 365-day window ending on D holds D-364 ... D. -#}
{% macro rw_score_window_start(d, days) -%}
    {{ rw_add_days(d, -(days | int - 1)) }}
{%- endmacro %}


{#- A UTC naive timestamp plus n days (elapsed, n a number). -#}
{% macro rw_score_ts_plus_days(ts, n) -%}
    (cast({{ ts }} as timestamp) + interval '{{ n }} day')
{%- endmacro %}


{#- Tier 0-4: the higher of the general ladder (>= each step) and the serious ladder
    (> the first step for tier 1, >= the others for tiers 2, 3, 4). -#}
{% macro rw_score_tier(general_points, serious_points) -%}
    {%- set g = var('rw_score_general_ladder') -%}
    {%- set s = var('rw_score_serious_ladder') -%}
    greatest(
        case
        {%- for step in g | reverse %}
            when coalesce({{ general_points }}, 0) >= {{ step }} then {{ g | length - loop.index0 }}
        {%- endfor %}
            else 0
        end,
        case
        {%- for step in s | reverse %}
            {%- set tier = s | length - loop.index0 %}
            when coalesce({{ serious_points }}, 0) {{ '>' if tier == 1 else '>=' }} {{ step }} then {{ tier }}
        {%- endfor %}
            else 0
        end
    )
{%- endmacro %}


{#- Tier names and recommended actions (violation-scoring.md, table in section 3). -#}
{% macro rw_score_tier_labels() -%}
    {{- return([
        {'tier': 0, 'name_zh': '正常', 'name_en': 'clear',
         'action_zh': '无', 'action_en': 'none'},
        {'tier': 1, 'name_zh': '警告', 'name_en': 'warning',
         'action_zh': '书面警告并限期整改', 'action_en': 'written warning with rectification deadline'},
        {'tier': 2, 'name_zh': '限制', 'name_en': 'restricted',
         'action_zh': '限制流量与推广', 'action_en': 'traffic and promotion restricted'},
        {'tier': 3, 'name_zh': '暂停', 'name_en': 'suspended',
         'action_zh': '暂停上新与交易', 'action_en': 'new listings and trading suspended'},
        {'tier': 4, 'name_zh': '清退', 'name_en': 'expelled',
         'action_zh': '清退并冻结保证金用于赔付', 'action_en': 'expel, deposit held for compensation'},
    ]) -}}
{%- endmacro %}


{#- Violation types in words, for the top reasons. -#}
{% macro rw_score_type_labels() -%}
    {{- return({
        'counterfeit': ['售假', 'counterfeit goods'],
        'data_leak': ['泄露个人信息', 'personal data leak'],
        'price_fraud': ['价格欺诈', 'price fraud'],
        'fake_discount': ['虚假折扣', 'fake discount'],
        'review_removed': ['删除差评', 'review removal'],
        'licence_expired': ['营业执照过期仍经营', 'selling on an expired licence'],
        'licence_invalid': ['营业执照无效仍经营', 'selling on an invalid licence'],
        'nrr_refusal': ['拒绝七日无理由退货', 'refusing an eligible 7-day no-reason return'],
        'refund_late_7d': ['退款超过7日', 'refund paid more than 7 days after the return arrived'],
        'refund_late_15d': ['退款超过15日', 'refund paid more than 15 days after the return arrived'],
        'quality_complaint': ['质量或货不对板投诉成立', 'substantiated quality or not-as-described complaint'],
        'fake_original_price': ['虚构原价', 'fake original price'],
        'rate_order_defect': ['订单缺陷率超标', 'order defect rate over the limit'],
        'rate_late_shipment': ['延迟发货率超标', 'late shipment rate over the limit'],
        'rate_complaints': ['投诉率超过类目中位数的倍数', 'complaints per 1000 orders over the category limit'],
    }) -}}
{%- endmacro %}


{#- A VALUES relation (violation_type, severity, label_zh, label_en) of every scored type. -#}
{% macro rw_score_type_values() -%}
    {%- set labels = rw_score_type_labels() -%}
    (values
    {%- for t, l in labels.items() %}
        ('{{ t }}', '{{ rw_score_severity(t) }}', '{{ l[0] }}', '{{ l[1] }}'){{ ',' if not loop.last }}
    {%- endfor %}
    ) as type_labels (violation_type, severity, label_zh, label_en)
{%- endmacro %}


{#- The management decisions copied from the state store into meta.management_decisions before dbt
    runs (the pipeline creates the table with the warehouse, so it always exists), typed. -#}
{% macro rw_score_decisions() -%}
    select
        cast(decision_id as bigint) as decision_id,
        cast(merchant_id as string) as merchant_id,
        cast(as_of_date as date) as as_of_date,
        cast(computed_tier as integer) as computed_tier,
        cast(decision as string) as decision,
        cast(decided_tier as integer) as decided_tier,
        cast(reason as string) as reason,
        cast(decided_by as string) as decided_by,
        cast(decided_at as timestamp) as decided_at
    from {{ ref('stg_pipeline_meta__management_decisions') }}
{%- endmacro %}


{#- rw_score_evidence_islands(relation): `relation` holds evidence rows derived from record versions,
    each with a base evidence_id and the list days it holds (known_from <= D < known_to, macro
    rw_known_intervals). Consecutive rows of one evidence_id that say the same thing (merchant, type,
    date, points, detail, superseded_on) merge into one row; where a later version changes the finding
    or withdraws it and it comes back, the new stretch gets its own row, id `<evidence_id>@<first day>`.
    Returns the evidence columns with known_on = the first list day of the stretch and superseded_on =
    the first list day it no longer holds (the earlier of the version's end and the row's own
    superseded_on; NULL = still holds). With compare_detail false a change of the detail text alone
    does not start a new stretch (a rate breach whose figures later data refines is the same breach); the
    stretch keeps the detail of its first list day. -#}
{% macro rw_score_evidence_islands(relation, compare_detail=true) -%}
    {%- set content = "coalesce(merchant_id, '') || '|' || violation_type || '|' || cast(evidence_date as string)"
        ~ " || '|' || cast(points as string)"
        ~ (" || '|' || coalesce(detail, '')" if compare_detail else "")
        ~ " || '|' || coalesce(cast(stage_superseded_on as string), '')" -%}
    with island_rows as (

        select
            rows_in.*,
            {{ content }} as content_key,
            case
                when lag(known_to) over by_evidence = known_from
                 and lag({{ content }}) over by_evidence = {{ content }}
                    then 0
                else 1
            end as starts_island
        from {{ relation }} as rows_in
        window by_evidence as (partition by evidence_id order by known_from)

    ),

    numbered as (

        select
            island_rows.*,
            sum(starts_island) over (
                partition by evidence_id order by known_from rows between unbounded preceding and current row
            ) as island_no
        from island_rows

    ),

    islands as (

        select
            evidence_id,
            island_no,
            min(known_from) as known_on,
            case when count(*) filter (where known_to is null) > 0 then null else max(known_to) end as known_to
        from numbered
        group by evidence_id, island_no

    )

    select
        case when numbered.island_no = 1 then numbered.evidence_id
             else numbered.evidence_id || '@' || cast(islands.known_on as string) end as evidence_id,
        numbered.merchant_id,
        numbered.evidence_date,
        numbered.violation_type,
        numbered.severity,
        numbered.points,
        numbered.complaint_id,
        numbered.refund_id,
        numbered.order_id,
        numbered.line_no,
        numbered.detail,
        case
            when islands.known_to is null then numbered.stage_superseded_on
            when numbered.stage_superseded_on is null then islands.known_to
            else least(islands.known_to, numbered.stage_superseded_on)
        end as superseded_on,
        islands.known_on
    from numbered
    inner join islands
        on islands.evidence_id = numbered.evidence_id and islands.island_no = numbered.island_no
    where numbered.starts_island = 1
{%- endmacro %}


{#- rw_rate_window_inputs(): SQL of one row per list date of int_scoring__list_dates with
    inputs_fingerprint: what int_scoring__rate_windows computes that list from. A list D is a function of
    the order-line, complaint and refund versions delivered by D (rw_known_intervals never looks past D),
    the merchants' categories known on D (int_scoring__merchants_as_of) and the vars its SQL reads; the
    fingerprint covers exactly these: per source, the count and an xor-hash (rw_xor_hash) of the
    identities (file, line, load) of the versions delivered by D, the same of D's merchant categories, and
    an md5 of the vars. A new delivery day leaves the fingerprints of earlier lists as they were; a
    corrected or late delivery for day d or a changed var changes those of the lists
    from d on (or all). Any var the rate-window SQL starts to read must be added here. -#}
{% macro rw_rate_window_inputs() -%}
    {%- set settings = [
        var('rw_score_rate_window_days'), var('rw_score_min_orders'), var('rw_score_order_defect_threshold'),
        var('rw_score_late_shipment_threshold'), var('rw_score_complaint_ratio_multiple'),
        var('rw_defect_refund_reasons'), var('rw_reporting_tz'),
    ] | string -%}
    {%- set identity = ['file_sha256', 'file_line', 'loaded_at'] -%}
    select
        list_dates.as_of_date,
        concat(
            '{{ local_md5(settings) }}',
            '/', cast(coalesce(sum(delivered.row_count), 0) as string),
            '/', cast(coalesce(bit_xor(delivered.row_hash), 0) as string),
            '/', cast(coalesce(any_value(merchants.row_count), 0) as string),
            '/', cast(coalesce(any_value(merchants.row_hash), 0) as string)
        ) as inputs_fingerprint
    from {{ ref('int_scoring__list_dates') }} as list_dates
    left join (
        {%- for source in ['orders', 'complaints', 'refunds'] %}
        select
            delivery_date,
            count(*) as row_count,
            {{ rw_xor_hash(["'" ~ source ~ "'"] + identity) }} as row_hash
        from {{ ref('int_' ~ source ~ '__versions_as_of') }}
        group by delivery_date
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as delivered
        on delivered.delivery_date <= list_dates.as_of_date
    left join (
        select as_of_date, count(*) as row_count, {{ rw_xor_hash(['merchant_id', 'category']) }} as row_hash
        from {{ ref('int_scoring__merchants_as_of') }}
        group by as_of_date
    ) as merchants
        on merchants.as_of_date = list_dates.as_of_date
    group by list_dates.as_of_date
{%- endmacro %}


{#- rw_delete_stale_rate_windows(): pre-hook SQL of the incremental int_scoring__rate_windows: deletes the
    rows of every list whose inputs changed since it was built (rw_rate_window_inputs) or that is no longer
    a list date; the model then builds the lists it does not hold. Empty on a full build and on an "as of"
    build (rw_delete_all_when_as_of empties the table first). -#}
{% macro rw_delete_stale_rate_windows() -%}
    {%- if is_incremental() and not var('rw_cutoff') -%}
    delete from {{ this }}
    where not exists (
        select 1
        from ({{ rw_rate_window_inputs() }}) as inputs
        where inputs.as_of_date = {{ this }}.as_of_date
          and inputs.inputs_fingerprint = {{ this }}.inputs_fingerprint
    )
    {%- endif -%}
{%- endmacro %}


{#- rw_mark_orders_of_unloaded_files_stale(): pre-hook SQL of the incremental int_scoring__order_facts:
    marks every row of an order stale when one of its line versions came from a file that is no longer
    loaded (superseded by a corrected delivery; ingestion deleted its raw rows), so the run recomputes the
    order from the versions it still has (or, with none left, the post-hook drops it). Empty on a full build. -#}
{% macro rw_mark_orders_of_unloaded_files_stale() -%}
    {%- if is_incremental() and not var('rw_cutoff') -%}
    update {{ this }} set is_stale = true
    where order_id in (
        select lines.order_id
        from {{ this }} as lines
        where lines.fact_kind = 'line'
          and not {{ rw_file_is_loaded('orders', 'lines', delivery_col='known_from') }}
    )
    {%- endif -%}
{%- endmacro %}
