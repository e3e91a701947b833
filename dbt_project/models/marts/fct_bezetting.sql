-- Occupancy per pilot per day (newest state), from 2019-04-01 (or the first instroom) to the newest delivery peildatum,
-- against the agreed capacity. A stay occupies a place from its instroomdatum up to the day
-- before its uitstroomdatum (MONITOR.md: present = started on or before P and not ended on or
-- before P). Computed from arrivals and departures as running sums, not stays x days.

with

stays as (

    select v.bron, v.instroomdatum, v.uitstroomdatum, s.in_doelgroep
    from {{ ref('int_verblijven__gekoppeld') }} as v
    inner join {{ ref('int_verblijven__doelgroep') }} as s using (kennisstand, verblijf_key)
    where v.kennisstand = 'nieuwste'

),

bounds as (

    select
        least(date '2019-04-01', (select min(instroomdatum) from stays)) as eerste,
        max(delivery_peildatum) as laatste
    from {{ ref('stg_ingest__deliveries') }}
    where status = 'loaded'

),

changes as (

    select bron, instroomdatum as datum, 1 as alle, in_doelgroep::int as in_dg from stays
    union all
    select bron, uitstroomdatum, -1, -(in_doelgroep::int) from stays where uitstroomdatum is not null

),

per_day_change as (

    select bron, datum, sum(alle) as alle, sum(in_dg) as in_dg from changes group by bron, datum

),

grid as (

    select pilots.bron, pilots.capaciteit, dates.datum
    from {{ ref('pilots') }} as pilots
    cross join {{ ref('dim_datum') }} as dates
    cross join bounds
    where dates.datum between bounds.eerste and bounds.laatste

),

running as (

    select
        grid.datum,
        grid.bron,
        grid.capaciteit,
        cast(sum(coalesce(per_day_change.alle, 0)) over (partition by grid.bron order by grid.datum) as integer) as aanwezig,  -- noqa: CV11
        cast(sum(coalesce(per_day_change.in_dg, 0)) over (partition by grid.bron order by grid.datum) as integer) as aanwezig_in_doelgroep  -- noqa: CV11, LT05
    from grid
    left join per_day_change using (bron, datum)

)

select
    datum,
    bron,
    aanwezig,
    aanwezig_in_doelgroep,
    aanwezig - aanwezig_in_doelgroep as aanwezig_buiten_doelgroep,
    capaciteit,
    round(aanwezig / capaciteit, 3) as bezettingsgraad,
    aanwezig > capaciteit as boven_capaciteit
from running
order by datum, bron
