-- The trajecten rows as known in each knowledge state (see macros/kennisstand.sql).
{{ rows_per_kennisstand('trajecten', 'stg_gemeente__trajecten') }}
