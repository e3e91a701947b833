-- The letter: "Regelmatig zijn verscheidene tussenstappen nodig om tot een begeleidingsscenario
-- te komen, dit kan tijd kosten." Days from instroom to the first scenario and to the end of the
-- stay (the outcome), for in-scope stays (newest state), per pilot and in total.

with

stays as (

    select verblijf_key, bron, instroomdatum from {{ ref('fct_instroom') }} where in_doelgroep

),

first_scenario as (

    select verblijf_key, min(datum) as eerste_scenario
    from {{ ref('fct_scenario') }}
    where scenario is not null
    group by verblijf_key

),

outcomes as (

    select verblijf_key, uitstroomdatum, is_bestendige_oplossing from {{ ref('fct_uitstroom') }}

),

durations as (

    select
        stays.bron,
        date_diff('day', stays.instroomdatum, first_scenario.eerste_scenario) as dagen_tot_scenario,
        date_diff('day', stays.instroomdatum, outcomes.uitstroomdatum) as dagen_tot_uitstroom,
        outcomes.is_bestendige_oplossing
    from stays
    left join first_scenario using (verblijf_key)
    left join outcomes using (verblijf_key)

)

select
    coalesce(bron, 'totaal') as bron,
    count(*) as verblijven,
    count(dagen_tot_scenario) as met_scenario,
    median(dagen_tot_scenario) as mediaan_dagen_tot_scenario,
    round(avg(dagen_tot_scenario), 1) as gemiddeld_dagen_tot_scenario,
    count(dagen_tot_uitstroom) as uitgestroomd,
    median(dagen_tot_uitstroom) as mediaan_dagen_tot_uitstroom,
    median(dagen_tot_uitstroom) filter (where is_bestendige_oplossing) as mediaan_dagen_tot_bestendige_oplossing
from durations
group by grouping sets ((bron), ())
order by bron is null, bron
