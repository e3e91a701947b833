-- The letter: "De belangrijkste landen van herkomst zijn Eritrea, Iran, Nigeria en Guinee".
-- In-scope persons ever received (newest state) by nationality, per pilot and in total.

with

persons as (

    select distinct i.bron, i.persoon_key, p.nationaliteit
    from {{ ref('fct_instroom') }} as i
    inner join {{ ref('dim_persoon') }} as p using (persoon_key)
    where i.in_doelgroep

),

counted as (

    select coalesce(bron, 'totaal') as bron, nationaliteit, count(distinct persoon_key) as personen
    from persons
    group by grouping sets ((bron, nationaliteit), (nationaliteit))

)

select
    counted.bron,
    counted.nationaliteit,
    dim_land.naam_nl as land,
    counted.personen,
    round(counted.personen / sum(counted.personen) over (partition by counted.bron), 3) as aandeel,
    rank() over (partition by counted.bron order by counted.personen desc) as rang
from counted
left join {{ ref('dim_land') }} as dim_land on dim_land.iso3 = counted.nationaliteit
order by counted.bron, rang, counted.nationaliteit
