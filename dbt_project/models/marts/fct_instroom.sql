-- One row per stay start (newest state), with who came in and whether the stay is in the
-- target group, and why not.

with

stays as (

    select * from {{ ref('int_verblijven__gekoppeld') }}
    where kennisstand = 'nieuwste'

),

scope as (

    select * from {{ ref('int_verblijven__doelgroep') }}
    where kennisstand = 'nieuwste'

),

countries as (

    select iso3, veilig_land_van_herkomst from {{ ref('countries') }}

)

select
    stays.verblijf_key,
    stays.persoon_key,
    stays.bron,
    stays.instroomdatum,
    stays.herkomst,
    stays.samenstelling,
    stays.geslacht,
    stays.nationaliteit,
    date_diff('year', stays.geboortedatum, stays.instroomdatum)
        - case when strftime(stays.geboortedatum, '%m%d') > strftime(stays.instroomdatum, '%m%d') then 1 else 0 end
        as leeftijd_bij_instroom,
    coalesce(countries.veilig_land_van_herkomst, false) as veilig_land,
    scope.in_doelgroep,
    scope.buiten_doelgroep_redenen
from stays
inner join scope using (verblijf_key)
left join countries on countries.iso3 = stays.nationaliteit
order by stays.instroomdatum, stays.verblijf_key
