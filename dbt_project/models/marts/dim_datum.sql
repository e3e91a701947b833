-- One row per day from 2019-01-01 (earlier stays: see fct_bezetting) to the end of the year of the newest delivery (at least 2021).

with

bounds as (

    select greatest(
        date '2021-12-31',
        cast(date_trunc('year', max(delivery_peildatum)) + interval 1 year - interval 1 day as date)
    ) as laatste
    from {{ ref('stg_ingest__deliveries') }}

),

days as (

    select cast(unnest(range(date '2019-01-01', bounds.laatste + interval 1 day, interval 1 day)) as date) as datum
    from bounds

)

select
    datum,
    year(datum) as jaar,
    quarter(datum) as kwartaal,
    month(datum) as maand,
    strftime(datum, '%Y-%m') as jaar_maand,
    day(datum) = 1 as is_maandbegin
from days
order by datum
