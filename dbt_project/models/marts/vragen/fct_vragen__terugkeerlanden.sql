-- The letter: "De meest voorkomende landen waarnaar is teruggekeerd: Armenië (7), China (5) en
-- Nigeria (4)". DT&V-confirmed departures (terugkeer, doormigratie) of in-scope stays by country.

select
    u.uitstroomcategorie,
    u.vertrekland,
    dim_land.naam_nl as land,
    count(*) as vertrekken,
    rank() over (partition by u.uitstroomcategorie order by count(*) desc) as rang
from {{ ref('fct_uitstroom') }} as u
left join {{ ref('dim_land') }} as dim_land on dim_land.iso3 = u.vertrekland
where u.in_doelgroep and u.uitstroomcategorie in ('terugkeer', 'doormigratie')
group by u.uitstroomcategorie, u.vertrekland, dim_land.naam_nl
order by u.uitstroomcategorie, rang, u.vertrekland
