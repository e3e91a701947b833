-- The verblijven rows as known in each knowledge state (see macros/kennisstand.sql).
{{ rows_per_kennisstand('verblijven', 'stg_gemeente__verblijven') }}
