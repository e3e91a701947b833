{#-
    Generic test: none of `column_names` is null. One query for a set of columns instead of
    one not_null test per column (each dbt test costs ~30 ms, mostly dbt's own overhead; on the
    staging views that was 60 tests, ~2 s of every run). Used once per staging model, for the
    lineage columns every raw row carries and the columns the contract requires.
    Fails with the offending rows (all their columns, so the empty one shows).

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
