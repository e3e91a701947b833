-- The knowledge states the monitor can be computed in: one per distinct delivery peildatum
-- ("as reported" at that date: only deliveries whose peildatum is on or before it), plus
-- `nieuwste` (every delivery, corrections included).

with

peildata as (

    select distinct delivery_peildatum as peildatum
    from {{ ref('stg_ingest__deliveries') }}
    where status = 'loaded'

),

states as (

    select strftime(peildatum, '%Y-%m-%d') as kennisstand, peildatum as tot_en_met
    from peildata

    union all

    select 'nieuwste' as kennisstand, date '9999-12-31' as tot_en_met

)

select * from states
