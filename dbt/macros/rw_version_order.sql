{#- Order of record versions, newest first: the latest updated_at wins (landing contract); among copies
    of the same version delivered more than once, the latest delivery, then the latest load, then the
    file name and line make the choice deterministic, so a rebuild always picks the same row. -#}
{% macro rw_version_order() -%}
    updated_at desc, delivery_date desc, loaded_at desc, file_name desc, file_line desc
{%- endmacro %}
