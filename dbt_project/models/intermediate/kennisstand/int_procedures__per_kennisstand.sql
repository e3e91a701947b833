-- The procedures rows as known in each knowledge state (see macros/kennisstand.sql).
-- A view, unlike the other per-kennisstand models: every knowledge state holds a whole national
-- delivery (4.5 M rows at demo scale 100), and its readers (the linkage, the reconciliation)
-- read a few columns each, as fast from the view as from a table; writing the table cost more
-- than all its readings (docs/decisions.md 12d-3).
{{ config(materialized='view') }}

{{ rows_per_kennisstand('procedures', 'stg_ind__procedures') }}
