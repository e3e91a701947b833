-- Every deviation from the agreements (convenant), from the national records (reconciliatie)
-- and in the quality of the deliveries (datakwaliteit), one row per deviation, newest state.
-- The same rules as the expectation suites in expectations/*.json, which run as Dagster asset
-- checks (pipelines/defs/expectation_checks.py); docs/expectations.md explains every kind.
--
--   bron         the pilot (or ind / dtv for their files) the deviation belongs to
--   soort        the kind: a target-group code of MONITOR.md (GEZIN, EU_BURGER, ...), a conflict
--                kind of int_uitstroom__conflicten, or one of the kinds below
--   ernst        'waarschuwing' (flagged) or 'fout' (the figures would be wrong: publishing stops)
--   persoon_key, verblijf_key   the record it concerns, pseudonymized (NULL for file-level ones)
--   bestand      the delivery (file name) it concerns or was found in
--   sinds        the date from which the deviation holds
--   uitleg       what is wrong, in words, without identifiers
--
-- Thresholds (environment, read by the expectations too; see pipelines/expectations/config.py):
{%- set max_dagen = env_var('LVV_MAX_DAGEN_ZONDER_LEVERING', '45') | int %}
{%- set min_verhouding = env_var('LVV_MIN_RIJEN_T_O_V_VORIGE', '0.6') | float %}
{%- set waarschuwing_verhouding = env_var('LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE', '0.8') | float %}
{%- set max_quarantaine = env_var('LVV_MAX_QUARANTAINE_AANDEEL', '0.1') | float %}
{%- set asiel_termijn = env_var('LVV_ASIEL_TERMIJN_DAGEN', '14') | int %}
--   LVV_MAX_DAGEN_ZONDER_LEVERING = {{ max_dagen }}, LVV_MIN_RIJEN_T_O_V_VORIGE = {{ min_verhouding }},
--   LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE = {{ waarschuwing_verhouding }} (a fall of 20 % warns, of 40 % stops),
--   LVV_MAX_QUARANTAINE_AANDEEL = {{ max_quarantaine }}, LVV_ASIEL_TERMIJN_DAGEN = {{ asiel_termijn }}

with

pilots as (

    select bron, gemeente from {{ ref('pilots') }}

),

stays as (

    select * from {{ ref('int_afwijkingen__verblijven') }}

),

deliveries as (

    select * from {{ ref('int_afwijkingen__leveringen') }}

),

current_files as (

    -- the file of the newest state per (bron, bestand): where a record-level deviation was found
    select bron, bestand, file_name from deliveries where is_actueel and file_name is not null

),

-- ---------------------------------------------------------------------------------- convenant

buiten_doelgroep as (

    select
        bron,
        reden as soort,
        'waarschuwing' as ernst,
        persoon_key,
        verblijf_key,
        cast(null as varchar) as bestand,
        instroomdatum as sinds,
        'Buiten de doelgroep opgevangen (instroom ' || strftime(instroomdatum, '%Y-%m-%d') || '): '
            || case reden
                   when 'GEZIN' then 'gezin met minderjarige kinderen, heeft recht op Rijksopvang in een gezinslocatie'
                   when 'EU_BURGER' then 'EU-burger'
                   when 'INREISVERBOD_ZWAAR' then 'zwaar inreisverbod van kracht bij instroom'
                   when 'ONGEWENSTVERKLARING' then 'ongewenstverklaring van kracht bij instroom'
                   when 'DUBLINCLAIM' then 'Dublinclaim van kracht bij instroom'
                   when 'RIJKSOPVANG' then 'asielprocedure liep bij instroom, recht op Rijksopvang'
                   when 'GEEN_REGIOBINDING' then 'geen aantoonbare regiobinding'
                   else reden
               end as uitleg
    from (
        select bron, persoon_key, verblijf_key, instroomdatum, unnest(buiten_doelgroep_redenen) as reden
        from {{ ref('fct_instroom') }}
    )

),

veilig_land as (

    select
        bron,
        'veilig_land_te_lang' as soort,
        'waarschuwing' as ernst,
        persoon_key,
        verblijf_key,
        cast(null as varchar) as bestand,
        veilig_land_grens as sinds,
        'Persoon uit een veilig land van herkomst langer in de LVV dan afgesproken: ingestroomd op '
            || strftime(instroomdatum, '%Y-%m-%d') || ', grens ' || strftime(veilig_land_grens, '%Y-%m-%d') || ', '
            || case when uitstroomdatum is null
                    then 'nog aanwezig op ' || strftime(cast(einde_aanwezigheid - interval 1 day as date), '%Y-%m-%d')
                    else 'uitgestroomd op ' || strftime(uitstroomdatum, '%Y-%m-%d') end as uitleg
    from stays
    where veilig_land_grens is not null and einde_aanwezigheid > veilig_land_grens

),

bezetting as (

    select
        bron, datum, aanwezig, capaciteit, boven_capaciteit,
        cast(datum - cast(row_number() over (partition by bron, boven_capaciteit order by datum) as integer) as date) as eiland,
        max(datum) over () as laatste_dag
    from {{ ref('fct_bezetting') }}

),

boven_capaciteit as (

    select
        bron,
        'boven_capaciteit' as soort,
        'waarschuwing' as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        cast(null as varchar) as bestand,
        min(datum) as sinds,
        'Meer personen aanwezig dan de afgesproken ' || any_value(capaciteit) || ' plaatsen: van '
            || strftime(min(datum), '%Y-%m-%d') || ' tot en met ' || strftime(max(datum), '%Y-%m-%d')
            || ' (' || count(*) || ' dagen' || case when max(datum) = any_value(laatste_dag) then ', nog steeds op de laatste peildatum' else '' end  -- noqa: LT05
            || '), hoogste bezetting ' || max(aanwezig) as uitleg
    from bezetting
    where boven_capaciteit
    group by bron, eiland

),

asielprocedure as (

    select
        bron,
        'asielprocedure_tijdens_verblijf' as soort,
        'waarschuwing' as ernst,
        persoon_key,
        verblijf_key,
        cast(null as varchar) as bestand,
        asiel_aanvraagdatum as sinds,
        'In de LVV terwijl de IND een asielaanvraag behandelt (aangevraagd op '
            || strftime(asiel_aanvraagdatum, '%Y-%m-%d') || '): ' || asiel_dagen
            || ' dagen, langer dan de {{ asiel_termijn }} dagen voor de overstap naar de Rijksopvang' as uitleg
    from stays
    where asiel_dagen > {{ asiel_termijn }}

),

twee_pilots as (

    select
        bron,
        'in_twee_pilots_tegelijk' as soort,
        'waarschuwing' as ernst,
        persoon_key,
        verblijf_key,
        cast(null as varchar) as bestand,
        instroomdatum as sinds,
        'Ingestroomd op ' || strftime(instroomdatum, '%Y-%m-%d') || ' terwijl dezelfde persoon nog in de LVV van '
            || tegelijk_in_pilot || ' verbleef' as uitleg
    from stays
    where tegelijk_in_pilot is not null

),

terug_naar_bbb as (

    select
        bron,
        'terug_naar_bbb' as soort,
        'waarschuwing' as ernst,
        persoon_key,
        verblijf_key,
        cast(null as varchar) as bestand,
        uitstroomdatum as sinds,
        'Uitgestroomd naar een Bed-Bad-Broodvoorziening op ' || strftime(uitstroomdatum, '%Y-%m-%d')
            || ': volgens het convenant sluiten de BBB''s en gaan de bewoners naar de LVV' as uitleg
    from {{ ref('fct_uitstroom') }}
    where uitstroomcategorie = 'terug_bbb'

),

-- ------------------------------------------------------------------------------ reconciliatie

conflicten as (

    select
        bron,
        soort_conflict as soort,
        'waarschuwing' as ernst,
        persoon_key,
        verblijf_key,
        cast(null as varchar) as bestand,
        coalesce(
            uitstroomdatum,
            try_strptime(regexp_extract(landelijk_beeld, '(\d{4}-\d{2}-\d{2})', 1), '%Y-%m-%d')::date,  -- noqa: CV11
            instroomdatum
        ) as sinds,
        'Gemeente: ' || case when gemeente_claim = 'AANWEZIG' then 'nog aanwezig'
                             else gemeente_claim || ' op ' || strftime(uitstroomdatum, '%Y-%m-%d') end
            || '; landelijk: ' || landelijk_beeld as uitleg
    from {{ ref('int_uitstroom__conflicten') }}

),

links as (

    select bron, client_id, v_nummer, methode, review_reden, op_reviewlijst, v_nummer_wijst_naar_ander, persoon_key
    from {{ source('linkage', 'person_links') }}
    where kennisstand = 'nieuwste'

),

first_stay as (

    select bron, client_id, min(instroomdatum) as eerste_instroomdatum
    from {{ ref('int_verblijven__gekoppeld') }}
    where kennisstand = 'nieuwste'
    group by bron, client_id

),

niet_gekoppeld as (

    select
        links.bron,
        'niet_gekoppeld' as soort,
        'waarschuwing' as ernst,
        links.persoon_key,
        cast(null as varchar) as verblijf_key,
        cast(null as varchar) as bestand,
        first_stay.eerste_instroomdatum as sinds,
        'Niet gekoppeld aan de gegevens van IND en DT&V ('
            || case when links.review_reden in ('geen kandidaat', 'meerdere kandidaten', 'tegenstrijdig bewijs',
                                                'afgewezen door beoordelaar')
                    then links.review_reden else 'onbekende reden' end
            || '): staat op de reviewlijst; uitstroom is niet te controleren' as uitleg
    from links
    left join first_stay using (bron, client_id)
    where links.op_reviewlijst

),

v_nummer_ander as (

    select
        links.bron,
        'v_nummer_wijst_naar_ander' as soort,
        'waarschuwing' as ernst,
        links.persoon_key,
        cast(null as varchar) as verblijf_key,
        cast(null as varchar) as bestand,
        first_stay.eerste_instroomdatum as sinds,
        'Het geleverde v-nummer hoort bij een andere persoon (geboortedatum, geslacht en nationaliteit wijken af); '
            || case when links.v_nummer is not null then 'de persoon is gekoppeld via ' || coalesce(links.methode, 'een andere weg')  -- noqa: LT05
                    else 'de persoon is niet gekoppeld' end
            || '. Verbeter het v-nummer in de levering' as uitleg
    from links
    left join first_stay using (bron, client_id)
    where links.v_nummer_wijst_naar_ander

),

-- ------------------------------------------------------------------------------ datakwaliteit

uitstroom_voor_instroom as (

    select
        stays.bron,
        'uitstroom_voor_instroom' as soort,
        'fout' as ernst,
        stays.persoon_key,
        stays.verblijf_key,
        current_files.file_name as bestand,
        stays.uitstroomdatum as sinds,
        'Uitstroomdatum ' || strftime(stays.uitstroomdatum, '%Y-%m-%d') || ' ligt vóór de instroomdatum '
            || strftime(stays.instroomdatum, '%Y-%m-%d') as uitleg
    from stays
    left join current_files on current_files.bron = stays.bron and current_files.bestand = 'verblijven'
    where stays.uitstroomdatum < stays.instroomdatum

),

overlappend as (

    select
        stays.bron,
        'overlappende_verblijven' as soort,
        'fout' as ernst,
        stays.persoon_key,
        stays.verblijf_key,
        current_files.file_name as bestand,
        stays.instroomdatum as sinds,
        'Verblijf met instroom ' || strftime(stays.instroomdatum, '%Y-%m-%d')
            || ' begint terwijl een eerder verblijf van dezelfde persoon in deze pilot nog loopt' as uitleg
    from stays
    left join current_files on current_files.bron = stays.bron and current_files.bestand = 'verblijven'
    where stays.overlapt_eigen_verblijf

),

gebeurtenis_buiten as (

    select
        events.bron,
        'gebeurtenis_buiten_verblijf' as soort,
        'fout' as ernst,
        events.persoon_key,
        events.verblijf_key,
        current_files.file_name as bestand,
        events.datum as sinds,
        'Gebeurtenis ' || events.gebeurtenis || ' op ' || strftime(events.datum, '%Y-%m-%d')
            || ' valt buiten het verblijf (' || strftime(stays.instroomdatum, '%Y-%m-%d') || ' tot '
            || coalesce(strftime(stays.uitstroomdatum, '%Y-%m-%d'), 'heden') || ')' as uitleg
    from {{ ref('fct_scenario') }} as events
    inner join stays using (verblijf_key)
    left join current_files on current_files.bron = events.bron and current_files.bestand = 'trajecten'
    where events.datum < stays.instroomdatum or events.datum > stays.uitstroomdatum

),

levering as (

    -- the current delivery of every (bron, bestand): errors stop publishing
    select
        bron,
        case
            when file_name is null then 'nooit_geleverd'
            when dagen_achter > {{ max_dagen }} then 'levering_verouderd'
        end as soort,
        case when file_name is null then 'waarschuwing' else 'fout' end as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        file_name as bestand,
        case when file_name is not null then cast(peildatum + {{ max_dagen + 1 }} as date) end as sinds,
        case
            when file_name is null then 'Nog geen bruikbare levering van ' || bestand || ' ontvangen'
            else 'De laatste levering van ' || bestand || ' heeft peildatum ' || strftime(peildatum, '%Y-%m-%d') || ', '
                 || dagen_achter || ' dagen vóór ' || strftime(referentiedatum, '%Y-%m-%d')
                 || ' (toegestaan: {{ max_dagen }} dagen)'
        end as uitleg
    from deliveries
    where is_actueel and (file_name is null or dagen_achter > {{ max_dagen }})

),

rijen_gedaald as (

    -- a fall in rows of 20 % or more (at most LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE of the previous
    -- delivery) warns; of 40 % or more (at most LVV_MIN_RIJEN_T_O_V_VORIGE) in the current delivery
    -- stops publishing. Ratios, so at every file size.
    select
        bron,
        'rijen_sterk_gedaald' as soort,
        case when is_actueel and rijen_verhouding <= {{ min_verhouding }} then 'fout' else 'waarschuwing' end as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        file_name as bestand,
        peildatum as sinds,
        rows_read || ' rijen, ' || cast(round(100 * rijen_verhouding) as integer) || '% van de vorige levering ('
            || vorige_file_name || ', ' || vorige_rows_read || ' rijen; '
            || cast(round(100 * (1 - rijen_verhouding)) as integer) || '% minder): het bestand is waarschijnlijk onvolledig'
            || case when is_actueel then '' else '; de cijfers zoals gerapporteerd op ' || strftime(peildatum, '%Y-%m-%d') || ' gebruiken het nog' end  -- noqa: LT05
            as uitleg
    from deliveries
    where (is_actueel or in_gebruik) and rijen_verhouding <= {{ waarschuwing_verhouding }}

),

correctie_verblijven as (

    -- per corrected verblijven delivery: how many stays it adds, drops and changes (counts only)
    select
        coalesce(nieuw.delivery_id, oud.delivery_id) as delivery_id,
        count(*) filter (where oud.verblijf_id is null) as toegevoegd,
        count(*) filter (where nieuw.verblijf_id is null) as vervallen,
        count(*) filter (where oud.verblijf_id is not null and nieuw.verblijf_id is not null
            and (oud.instroomdatum is distinct from nieuw.instroomdatum
                 or oud.uitstroomdatum is distinct from nieuw.uitstroomdatum
                 or oud.uitstroomreden is distinct from nieuw.uitstroomreden
                 or oud.v_nummer is distinct from nieuw.v_nummer
                 or oud.samenstelling is distinct from nieuw.samenstelling
                 or oud.regiobinding is distinct from nieuw.regiobinding)) as gewijzigd,
        count(oud.uitstroomdatum) as uitgestroomd_voor,
        count(nieuw.uitstroomdatum) as uitgestroomd_na
    from (
        select d.delivery_id, d.vervangt_delivery_id, v.verblijf_id, v.instroomdatum, v.uitstroomdatum,
               v.uitstroomreden, v.v_nummer, v.samenstelling, v.regiobinding
        from deliveries d  -- noqa: AL01
        inner join {{ ref('stg_gemeente__verblijven') }} v on v.delivery_id = d.delivery_id  -- noqa: AL01
        where d.vervangt_delivery_id is not null and d.bestand = 'verblijven'
    ) as nieuw
    full outer join (  -- noqa: ST05
        select d.delivery_id, v.verblijf_id, v.instroomdatum, v.uitstroomdatum,
               v.uitstroomreden, v.v_nummer, v.samenstelling, v.regiobinding
        from deliveries d  -- noqa: AL01
        inner join {{ ref('stg_gemeente__verblijven') }} v on v.delivery_id = d.vervangt_delivery_id  -- noqa: AL01
        where d.vervangt_delivery_id is not null and d.bestand = 'verblijven'
    ) as oud on oud.delivery_id = nieuw.delivery_id and oud.verblijf_id = nieuw.verblijf_id
    group by 1  -- noqa: AM06

),

correctie as (

    -- a correction of an older delivery (a later peildatum of the source exists): it rewrites the
    -- figures "as reported" at that peildatum, so it is listed with what it changed
    select
        deliveries.bron,
        'correctie_eerdere_levering' as soort,
        'waarschuwing' as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        deliveries.file_name as bestand,
        deliveries.peildatum as sinds,
        'Correctie van een eerdere levering (peildatum ' || strftime(deliveries.peildatum, '%Y-%m-%d')
            || '): ' || deliveries.vervangt_rows_read || ' → ' || deliveries.rows_read || ' rijen'
            || case when c.delivery_id is not null then
                   ', ' || c.toegevoegd || ' verblijven erbij, ' || c.vervallen || ' vervallen, ' || c.gewijzigd
                   || ' gewijzigd, uitgestroomd ' || c.uitgestroomd_voor || ' → ' || c.uitgestroomd_na
               else '' end
            || '; de cijfers zoals gerapporteerd op ' || strftime(deliveries.peildatum, '%Y-%m-%d')
            || ' gebruiken nu de correctie' as uitleg
    from deliveries
    left join correctie_verblijven as c using (delivery_id)
    where deliveries.vervangt_delivery_id is not null and deliveries.is_eerdere_peildatum and deliveries.in_gebruik

),

quarantaine as (

    select
        bron,
        'veel_quarantaine' as soort,
        case when is_actueel then 'fout' else 'waarschuwing' end as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        file_name as bestand,
        peildatum as sinds,
        rows_quarantined || ' van de ' || rows_read || ' rijen in quarantaine ('
            || cast(round(100 * quarantaine_aandeel) as integer) || '%, toegestaan: '
            || cast(round(100 * {{ max_quarantaine }}) as integer) || '%)'
            || case when is_actueel then '' else '; de cijfers zoals gerapporteerd op ' || strftime(peildatum, '%Y-%m-%d') || ' gebruiken het nog' end  -- noqa: LT05
            as uitleg
    from deliveries
    where (is_actueel or in_gebruik) and quarantaine_aandeel > {{ max_quarantaine }}

),

zonder_verblijf as (

    select
        bron,
        'gebeurtenis_zonder_verblijf' as soort,
        'waarschuwing' as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        file_name as bestand,
        peildatum as sinds,
        gebeurtenissen_zonder_verblijf || ' gebeurtenis(sen) horen bij een verblijf dat niet in de verblijven van '
            || 'de pilot staat; ze tellen niet mee' as uitleg
    from deliveries
    where is_actueel and gebeurtenissen_zonder_verblijf > 0

),

geweigerd as (

    select
        bron,
        'levering_geweigerd' as soort,
        'waarschuwing' as ernst,
        cast(null as varchar) as persoon_key,
        cast(null as varchar) as verblijf_key,
        file_name as bestand,
        peildatum as sinds,
        -- The ingest's reason stays in the restricted zone (`lvv-monitor status`): it quotes the
        -- delivered file, whose numbers can coincide with an identifier (the publish scanner
        -- then rightly refuses to take the risk).
        'Bestand in zijn geheel geweigerd; de reden staat bij de beheerder (lvv-monitor status)' as uitleg
    from deliveries
    where status = 'rejected' and not later_geleverd

),

alle as (

    select * from buiten_doelgroep
    union all select * from veilig_land
    union all select * from boven_capaciteit
    union all select * from asielprocedure
    union all select * from twee_pilots
    union all select * from terug_naar_bbb
    union all select * from conflicten
    union all select * from niet_gekoppeld
    union all select * from v_nummer_ander
    union all select * from uitstroom_voor_instroom
    union all select * from overlappend
    union all select * from gebeurtenis_buiten
    union all select * from levering
    union all select * from rijen_gedaald
    union all select * from correctie
    union all select * from quarantaine
    union all select * from zonder_verblijf
    union all select * from geweigerd

)

select bron, soort, ernst, persoon_key, verblijf_key, bestand, sinds, uitleg
from alle
order by bron, ernst, soort, sinds, verblijf_key, persoon_key, bestand
