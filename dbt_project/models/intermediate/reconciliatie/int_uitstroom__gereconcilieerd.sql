-- One reconciled outflow category per ended stay and knowledge state (MONITOR.md): the IND
-- decides residence outcomes, the DT&V departures (the latest departure in the window), the
-- municipality everything else. The municipal reason stays beside the reconciled category.
-- All records of a knowledge state count here; the monitor at an earlier peildatum P only
-- counts records dated on or before P (see the monitor_op macro).

with

ended as (

    select * from {{ ref('int_verblijven__gekoppeld') }}
    where uitstroomdatum is not null

),

evidence as (

    select * from {{ ref('int_uitstroom__bewijs') }}

),

per_stay as (

    select
        kennisstand,
        verblijf_key,
        min(datum) filter (where soort_bewijs = 'inwilliging') as eerste_inwilliging,
        arg_max(uitkomst, datum) filter (where soort_bewijs = 'vertrek') as laatste_vertrek_uitkomst,
        max(datum) filter (where soort_bewijs = 'vertrek') as laatste_vertrekdatum,
        arg_max(land, datum) filter (where soort_bewijs = 'vertrek') as vertrekland,
        bool_or(soort_bewijs = 'asiel_herhaald') as heeft_asiel_herhaald,
        bool_or(soort_bewijs = 'art64') as heeft_art64
    from evidence
    group by kennisstand, verblijf_key

),

categorized as (

    select
        ended.kennisstand,
        ended.verblijf_key,
        ended.persoon_key,
        ended.bron,
        ended.gekoppeld,
        ended.instroomdatum,
        ended.uitstroomdatum,
        ended.uitstroomreden,
        {{ uitstroomcategorie('ended.uitstroomreden', 'per_stay.eerste_inwilliging', 'per_stay.laatste_vertrek_uitkomst') }}
            as uitstroomcategorie,
        per_stay.eerste_inwilliging,
        per_stay.laatste_vertrekdatum,
        per_stay.laatste_vertrek_uitkomst,
        per_stay.vertrekland,
        coalesce(per_stay.heeft_asiel_herhaald, false) as heeft_asiel_herhaald,
        coalesce(per_stay.heeft_art64, false) as heeft_art64
    from ended
    left join per_stay using (kennisstand, verblijf_key)

)

select
    *,
    uitstroomcategorie in ('bestendig_verblijf', 'terugkeer', 'doormigratie') as is_bestendige_oplossing,
    case
        when uitstroomcategorie = 'bestendig_verblijf' then 'IND'
        when uitstroomcategorie in ('terugkeer', 'doormigratie')
          or (uitstroomcategorie = 'mob' and laatste_vertrek_uitkomst = 'mob') then 'DT&V'
    end as bevestigd_door
from categorized
