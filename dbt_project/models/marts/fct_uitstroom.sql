-- One row per ended stay (newest state): the municipality's reason beside the reconciled
-- category, whether it is a bestendige oplossing, how long the stay lasted, and the conflict
-- with the national records if there is one.

with

reconciled as (

    select * from {{ ref('int_uitstroom__gereconcilieerd') }}
    where kennisstand = 'nieuwste'

),

scope as (

    select verblijf_key, in_doelgroep from {{ ref('int_verblijven__doelgroep') }}
    where kennisstand = 'nieuwste'

),

conflicts as (

    select verblijf_key, soort_conflict from {{ ref('int_uitstroom__conflicten') }}

)

select
    reconciled.verblijf_key,
    reconciled.persoon_key,
    reconciled.bron,
    reconciled.instroomdatum,
    reconciled.uitstroomdatum,
    reconciled.uitstroomreden,
    reconciled.uitstroomcategorie,
    reconciled.is_bestendige_oplossing,
    date_diff('day', reconciled.instroomdatum, reconciled.uitstroomdatum) as dagen_in_lvv,
    scope.in_doelgroep,
    reconciled.bevestigd_door,
    case when reconciled.uitstroomcategorie in ('terugkeer', 'doormigratie') then reconciled.vertrekland end as vertrekland,
    conflicts.soort_conflict as afwijking
from reconciled
inner join scope using (verblijf_key)
left join conflicts using (verblijf_key)
order by reconciled.uitstroomdatum, reconciled.verblijf_key
