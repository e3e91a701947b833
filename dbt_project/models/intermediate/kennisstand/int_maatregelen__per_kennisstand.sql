-- The maatregelen rows as known in each knowledge state (see macros/kennisstand.sql).
{{ rows_per_kennisstand('maatregelen', 'stg_ind__maatregelen') }}
