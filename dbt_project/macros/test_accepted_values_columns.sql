{#-
    Generic test: every column of `values_per_column` holds only its accepted values (NULL
    passes, as in dbt's accepted_values). One query for all the code columns of a model instead
    of one accepted_values test per column: each dbt test is a node costing ~25 ms of dbt's own
    overhead per run, whatever the data (issue 12). Fails with one row per (column, value) that
    is not accepted, with its count.

        data_tests:
          - accepted_values_columns:
              arguments:
                values_per_column:
                  geslacht: [M, V, X]
                  herkomst: [NIEUW, BBB, OVERIG]
-#}
{% test accepted_values_columns(model, values_per_column) %}

    {%- for column_name, values in values_per_column.items() %}
    select
        '{{ column_name }}' as kolom,
        cast({{ column_name }} as varchar) as waarde,
        count(*) as n_records
    from {{ model }}
    where {{ column_name }} is not null
      and cast({{ column_name }} as varchar) not in (
        {%- for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%}
      )
    group by all
    {{ "union all" if not loop.last }}
    {%- endfor %}

{% endtest %}
