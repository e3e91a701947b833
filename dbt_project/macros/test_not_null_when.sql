{#-
    Generic test: each column of `condition_per_column` is not null on the rows where its
    condition holds (dbt's not_null with `config: where:`, for several columns in one query;
    see test_accepted_values_columns.sql for why). Fails with the offending rows.

        data_tests:
          - not_null_when:
              arguments:
                condition_per_column:
                  loaded_at: "status = 'loaded'"
                  reason: "status = 'rejected'"
-#}
{% test not_null_when(model, condition_per_column) %}

    select *
    from {{ model }}
    where
        {%- for column_name, condition in condition_per_column.items() %}
        (({{ condition }}) and {{ column_name }} is null){{ " or" if not loop.last }}
        {%- endfor %}

{% endtest %}
