{#-
    Generic test: no two rows share the same values in `combination_of_columns`.
    Fails with one row per duplicated combination (and how often it occurs).

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [delivery_id, verblijf_id]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

    {%- set columns_csv = combination_of_columns | join(', ') %}

    select
        {{ columns_csv }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1

{% endtest %}
