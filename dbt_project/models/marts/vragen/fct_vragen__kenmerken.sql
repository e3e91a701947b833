-- The letter: "de meerderheid is man en de gemiddelde leeftijd ligt rond de 40" and "ruim 10%
-- heeft meer dan vijf vertrekprocedures doorlopen". In-scope persons ever received (newest
-- state), per pilot and in total (a person in two pilots counts once in the total).

with

persons as (

    select distinct i.bron, p.*
    from {{ ref('fct_instroom') }} as i
    inner join {{ ref('dim_persoon') }} as p using (persoon_key)
    where i.in_doelgroep

)

select
    coalesce(bron, 'totaal') as bron,
    count(distinct persoon_key) as personen,
    round(avg(leeftijd_bij_eerste_instroom), 1) as gemiddelde_leeftijd,
    round(avg((geslacht = 'M')::int), 3) as aandeel_mannen,
    count(distinct persoon_key) filter (where gekoppeld) as personen_gekoppeld,
    round(avg((eerdere_vertrekprocedures > 5)::int) filter (where gekoppeld), 3)
        as aandeel_meer_dan_vijf_vertrekprocedures,
    round(avg((eerdere_vertrekprocedures >= 1)::int) filter (where gekoppeld), 3)
        as aandeel_eerder_vertrekprocedure
from persons
group by grouping sets ((bron), ())
order by bron is null, bron
