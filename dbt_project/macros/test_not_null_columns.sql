{#-
    Generic test: none of `column_names` is null. One query for a set of columns (cheaper
    than one not_null test per column); used for the lineage columns every raw row carries.
    Fails with the offending rows.

        data_tests:
          - not_null_columns:
              arguments:
                column_names: [delivery_id, source_file, row_number]
-#}
{% test not_null_columns(model, column_names) %}

    select *
    from {{ model }}
    where
        {%- for column_name in column_names %}
        {{ column_name }} is null{{ " or" if not loop.last }}
        {%- endfor %}

{% endtest %}
