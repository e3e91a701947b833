-- Every stay where the municipality's claim and the national records disagree (newest state),
-- with both sides, for the pilot's LSO to discuss. Kinds (soort_conflict):
--   verblijf_niet_bevestigd      VERBLIJFSVERGUNNING, but no IND permit in the window
--   vertrek_niet_bevestigd       TERUGKEER/DOORMIGRATIE, but no DT&V departure in the window
--   andere_bestemming            DT&V registers the other destination (herkomstland vs derde land)
--   vertrek_niet_aantoonbaar     TERUGKEER/DOORMIGRATIE, DT&V says: not demonstrable (MOB)
--   vertrek_wel_aantoonbaar      MOB, but DT&V registers a demonstrable departure
--   asielaanvraag_niet_bevestigd ASIELAANVRAAG, but no repeat asylum application in the window
--   art64_niet_bevestigd         UITSTEL_VERTREK_ART64, but no art. 64 postponement granted
--   niet_te_controleren          the claim needs national records, but the stay is not linked
--   aanwezig_maar_vertrokken     the stay is open, but DT&V registers a departure after instroom

with

reconciled as (

    select * from {{ ref('int_uitstroom__gereconcilieerd') }}
    where kennisstand = 'nieuwste'

),

ended_conflicts as (

    select
        verblijf_key, persoon_key, bron, instroomdatum, uitstroomdatum,
        uitstroomreden as gemeente_claim,
        uitstroomcategorie,
        case
            when not gekoppeld and uitstroomreden in ('VERBLIJFSVERGUNNING', 'TERUGKEER', 'DOORMIGRATIE',
                                                      'ASIELAANVRAAG', 'UITSTEL_VERTREK_ART64')
                then 'niet_te_controleren'
            when uitstroomreden = 'VERBLIJFSVERGUNNING' and eerste_inwilliging is null
                then 'verblijf_niet_bevestigd'
            when uitstroomreden in ('TERUGKEER', 'DOORMIGRATIE') and laatste_vertrek_uitkomst is null
                then 'vertrek_niet_bevestigd'
            when uitstroomreden in ('TERUGKEER', 'DOORMIGRATIE') and laatste_vertrek_uitkomst = 'mob'
                then 'vertrek_niet_aantoonbaar'
            when (uitstroomreden = 'TERUGKEER' and laatste_vertrek_uitkomst = 'doormigratie')
              or (uitstroomreden = 'DOORMIGRATIE' and laatste_vertrek_uitkomst = 'terugkeer')
                then 'andere_bestemming'
            when uitstroomreden = 'MOB' and laatste_vertrek_uitkomst in ('terugkeer', 'doormigratie')
                then 'vertrek_wel_aantoonbaar'
            when uitstroomreden = 'ASIELAANVRAAG' and not heeft_asiel_herhaald
                then 'asielaanvraag_niet_bevestigd'
            when uitstroomreden = 'UITSTEL_VERTREK_ART64' and not heeft_art64
                then 'art64_niet_bevestigd'
        end as soort_conflict,
        case
            when laatste_vertrek_uitkomst is not null
                then 'DT&V: vertrek op ' || strftime(laatste_vertrekdatum, '%Y-%m-%d') || ' (' || laatste_vertrek_uitkomst || ')'
            when eerste_inwilliging is not null
                then 'IND: inwilliging op ' || strftime(eerste_inwilliging, '%Y-%m-%d')
            when not gekoppeld then 'niet gekoppeld aan landelijke gegevens'
            else 'geen landelijk gegeven in het venster'
        end as landelijk_beeld
    from reconciled

),

open_stays as (

    select * from {{ ref('int_verblijven__gekoppeld') }}
    where kennisstand = 'nieuwste' and uitstroomdatum is null and v_nummer is not null

),

departures as (

    select * from {{ ref('int_vertrekzaken__per_kennisstand') }}
    where kennisstand = 'nieuwste' and vertrekdatum is not null
      and vertrekwijze in ('ZELFSTANDIG_AANTOONBAAR', 'GEDWONGEN')

),

present_but_departed as (

    select
        open_stays.verblijf_key, open_stays.persoon_key, open_stays.bron, open_stays.instroomdatum,
        cast(null as date) as uitstroomdatum,
        'AANWEZIG' as gemeente_claim,
        cast(null as varchar) as uitstroomcategorie,
        'aanwezig_maar_vertrokken' as soort_conflict,
        'DT&V: vertrek op ' || strftime(max(departures.vertrekdatum), '%Y-%m-%d') as landelijk_beeld
    from open_stays
    inner join departures
        on departures.v_nummer = open_stays.v_nummer
        and departures.vertrekdatum > open_stays.instroomdatum
    group by all

)

select * from ended_conflicts where soort_conflict is not null
union all
select * from present_but_departed
