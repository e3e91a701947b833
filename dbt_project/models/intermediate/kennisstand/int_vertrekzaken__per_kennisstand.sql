-- The vertrekzaken rows as known in each knowledge state (see macros/kennisstand.sql).
{{ rows_per_kennisstand('vertrekzaken', 'stg_dtv__vertrekzaken') }}
