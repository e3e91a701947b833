{{ config(materialized='table') }}
-- Facts per stay (newest state) that the convenant and data-quality expectations judge
-- (pipelines/expectations, expectations/*.json) and that fct_afwijkingen lists. Facts only,
-- no verdicts: the thresholds are applied by the expectations and by fct_afwijkingen.
-- Restricted zone (schema intermediate): it is not published.
--
--   einde_aanwezigheid      first day the person is no longer present: uitstroomdatum, or for an
--                           open stay the day after the pilot's newest verblijven peildatum
--   veilig_land_grens       instroomdatum + LVV_VEILIG_LAND_MAANDEN (3) months, for a stay of a
--                           person from a safe country of origin in a pilot of
--                           LVV_VEILIG_LAND_PILOTS (rotterdam); else NULL
--   tegelijk_in_pilot       the other pilot(s) where the same person had a stay that started
--                           earlier and had not ended when this one started; set on the later stay
--   overlapt_eigen_verblijf an earlier stay of the same person in the same pilot had not ended
--                           when this one started; set on the later stay
--   asiel_dagen             the longest time (days) the person was in this stay while an asylum
--                           procedure (ASIEL_EERSTE/ASIEL_HERHAALD) lodged during the stay was
--                           pending; procedures pending at instroom are RIJKSOPVANG (out of scope)
--   asiel_aanvraagdatum     the aanvraagdatum of that procedure

{%- set veilig_land_pilots = env_var('LVV_VEILIG_LAND_PILOTS', 'rotterdam').lower().replace(' ', '').split(',') %}
{%- set veilig_land_maanden = env_var('LVV_VEILIG_LAND_MAANDEN', '3') | int %}

with

stays as (

    select verblijf_key, persoon_key, bron, v_nummer, nationaliteit, instroomdatum, uitstroomdatum
    from {{ ref('int_verblijven__gekoppeld') }}
    where kennisstand = 'nieuwste'

),

pilots as (

    select bron, gemeente, volgorde from {{ ref('pilots') }}

),

countries as (

    select iso3, veilig_land_van_herkomst from {{ ref('countries') }}

),

peildata as (

    -- Presence of an open stay is known up to the pilot's newest verblijven delivery.
    select bron, delivery_peildatum as peildatum
    from {{ ref('int_leveringen__per_kennisstand') }}
    where kennisstand = 'nieuwste' and bestand = 'verblijven'

),

base as (

    select
        stays.verblijf_key,
        stays.persoon_key,
        stays.bron,
        stays.v_nummer,
        pilots.gemeente,
        coalesce(pilots.volgorde, 99) as volgorde,
        stays.instroomdatum,
        stays.uitstroomdatum,
        coalesce(stays.uitstroomdatum, cast(peildata.peildatum + interval 1 day as date)) as einde_aanwezigheid,
        -- for overlaps an open stay has no end yet
        coalesce(stays.uitstroomdatum, date '9999-12-31') as einde_open,
        coalesce(countries.veilig_land_van_herkomst, false) as veilig_land,
        stays.uitstroomdatum is null or stays.uitstroomdatum >= stays.instroomdatum as is_geldig
    from stays
    left join pilots using (bron)
    left join peildata using (bron)
    left join countries on countries.iso3 = stays.nationaliteit

),

other_pilot as (

    select
        later.verblijf_key,
        string_agg(distinct coalesce(earlier.gemeente, earlier.bron), ', ' order by coalesce(earlier.gemeente, earlier.bron)) as tegelijk_in_pilot  -- noqa: LT05
    from base as later
    inner join base as earlier
        on earlier.persoon_key = later.persoon_key
        and earlier.bron <> later.bron
        and (earlier.instroomdatum < later.instroomdatum
             or (earlier.instroomdatum = later.instroomdatum and earlier.volgorde < later.volgorde))
        and later.instroomdatum < earlier.einde_open
    where later.is_geldig and earlier.is_geldig
    group by later.verblijf_key

),

own_pilot as (

    select later.verblijf_key, true as overlapt_eigen_verblijf
    from base as later
    inner join base as earlier
        on earlier.persoon_key = later.persoon_key
        and earlier.bron = later.bron
        and earlier.verblijf_key <> later.verblijf_key
        and (earlier.instroomdatum < later.instroomdatum
             or (earlier.instroomdatum = later.instroomdatum and earlier.verblijf_key < later.verblijf_key))
        and later.instroomdatum < earlier.einde_open
    where later.is_geldig and earlier.is_geldig
    group by later.verblijf_key

),

asylum as (

    select v_nummer, aanvraagdatum, beslisdatum
    from {{ ref('int_procedures__per_kennisstand') }}
    where kennisstand = 'nieuwste' and soort in ('ASIEL_EERSTE', 'ASIEL_HERHAALD')

),

asylum_during_stay as (

    select
        base.verblijf_key,
        max(date_diff('day', asylum.aanvraagdatum,
                      least(coalesce(asylum.beslisdatum, date '9999-12-31'), base.einde_aanwezigheid))) as asiel_dagen,
        arg_max(asylum.aanvraagdatum,
                date_diff('day', asylum.aanvraagdatum,
                          least(coalesce(asylum.beslisdatum, date '9999-12-31'), base.einde_aanwezigheid))) as asiel_aanvraagdatum
    from base
    inner join asylum
        on asylum.v_nummer = base.v_nummer
        and asylum.aanvraagdatum > base.instroomdatum
        and asylum.aanvraagdatum < base.einde_aanwezigheid
    where base.is_geldig
    group by base.verblijf_key

)

select
    base.verblijf_key,
    base.persoon_key,
    base.bron,
    base.instroomdatum,
    base.uitstroomdatum,
    base.einde_aanwezigheid,
    base.veilig_land,
    case
        when base.veilig_land and base.is_geldig
         and base.bron in ({% for p in veilig_land_pilots %}'{{ p }}'{{ ", " if not loop.last }}{% endfor %})
            then cast(base.instroomdatum + interval {{ veilig_land_maanden }} month as date)
    end as veilig_land_grens,
    other_pilot.tegelijk_in_pilot,
    coalesce(own_pilot.overlapt_eigen_verblijf, false) as overlapt_eigen_verblijf,
    asylum_during_stay.asiel_dagen,
    asylum_during_stay.asiel_aanvraagdatum
from base
left join other_pilot using (verblijf_key)
left join own_pilot using (verblijf_key)
left join asylum_during_stay using (verblijf_key)
order by base.bron, base.instroomdatum, base.verblijf_key
