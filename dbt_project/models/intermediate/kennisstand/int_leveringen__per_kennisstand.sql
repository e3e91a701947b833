-- Which delivery counts for each (bron, bestand) in each knowledge state: the one with the
-- latest peildatum on or before the state's date, and of that peildatum the newest received
-- (highest delivery_id: a correction with the same name wins over the original).

with

deliveries as (

    select delivery_id, bron, bestand, delivery_peildatum
    from {{ ref('stg_ingest__deliveries') }}
    where status = 'loaded'

),

states as (

    select * from {{ ref('int_kennisstanden') }}

),

candidates as (

    select
        states.kennisstand,
        deliveries.bron,
        deliveries.bestand,
        deliveries.delivery_id,
        deliveries.delivery_peildatum,
        row_number() over (
            partition by states.kennisstand, deliveries.bron, deliveries.bestand
            order by deliveries.delivery_peildatum desc, deliveries.delivery_id desc
        ) as rang
    from states
    inner join deliveries on deliveries.delivery_peildatum <= states.tot_en_met

)

select kennisstand, bron, bestand, delivery_id, delivery_peildatum
from candidates
where rang = 1
