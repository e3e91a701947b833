-- The procedures rows as known in each knowledge state (see macros/kennisstand.sql).
{{ rows_per_kennisstand('procedures', 'stg_ind__procedures') }}
