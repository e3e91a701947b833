-- One row per trajectory event (newest state): guidance scenarios set or changed in the LSO and
-- MRT escalations. geldig_van/geldig_tot give the scenario in force on any date:
--   select * from marts.fct_scenario where scenario is not null
--     and date '2020-11-01' between geldig_van and coalesce(geldig_tot, date '9999-12-31')

with

events as (

    select * from {{ ref('int_trajecten__per_kennisstand') }}
    where kennisstand = 'nieuwste'

),

stay_keys as (

    select * from {{ source('linkage', 'verblijf_keys') }}

),

stays as (

    select verblijf_key, persoon_key, uitstroomdatum from {{ ref('int_verblijven__gekoppeld') }}
    where kennisstand = 'nieuwste'

),

keyed as (

    select
        stay_keys.verblijf_key,
        stays.persoon_key,
        events.gemeente_bron as bron,
        events.datum,
        events.gebeurtenis,
        case events.gebeurtenis
            when 'SCENARIO_VERTREK' then 'vertrek'
            when 'SCENARIO_VERBLIJF' then 'verblijf'
        end as scenario,
        stays.uitstroomdatum
    from events
    inner join stay_keys
        on stay_keys.bron = events.gemeente_bron and stay_keys.verblijf_id = events.verblijf_id
    inner join stays on stays.verblijf_key = stay_keys.verblijf_key

),

scenarios as (

    select
        *,
        lag(scenario) over (partition by verblijf_key, scenario is null order by datum, gebeurtenis) as vorig_scenario,
        lead(datum) over (partition by verblijf_key, scenario is null order by datum, gebeurtenis) as volgende_datum
    from keyed

)

select
    verblijf_key,
    persoon_key,
    bron,
    datum,
    gebeurtenis,
    scenario,
    scenario is not null and vorig_scenario is not null and vorig_scenario <> scenario as is_wijziging,
    case when scenario is not null then datum end as geldig_van,
    case when scenario is not null then
        least(volgende_datum - interval 1 day, uitstroomdatum)::date
    end as geldig_tot
from scenarios
order by datum, verblijf_key, gebeurtenis
