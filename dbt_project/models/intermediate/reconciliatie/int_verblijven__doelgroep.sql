-- The target-group rules of MONITOR.md, per stay and knowledge state, evaluated on the
-- instroomdatum with the linked person's IND records of that knowledge state. Out-of-scope
-- stays are marked with every reason that holds, never deleted.

with

stays as (

    select * from {{ ref('int_verblijven__gekoppeld') }}

),

countries as (

    select iso3, eu_lid_2020 from {{ ref('countries') }}

),

measures as (

    select kennisstand, v_nummer, maatregel, ingangsdatum, einddatum
    from {{ ref('int_maatregelen__per_kennisstand') }}

),

procedures as (

    select kennisstand, v_nummer, soort, aanvraagdatum, beslisdatum
    from {{ ref('int_procedures__per_kennisstand') }}

),

measures_in_force as (

    select stays.kennisstand, stays.verblijf_key, list(distinct measures.maatregel) as maatregelen
    from stays
    inner join measures
        on measures.kennisstand = stays.kennisstand
        and measures.v_nummer = stays.v_nummer
        and measures.ingangsdatum <= stays.instroomdatum
        and (measures.einddatum is null or measures.einddatum > stays.instroomdatum)
    group by stays.kennisstand, stays.verblijf_key

),

asylum_pending as (

    select distinct stays.kennisstand, stays.verblijf_key
    from stays
    inner join procedures
        on procedures.kennisstand = stays.kennisstand
        and procedures.v_nummer = stays.v_nummer
        and procedures.soort in ('ASIEL_EERSTE', 'ASIEL_HERHAALD')
        and procedures.aanvraagdatum <= stays.instroomdatum
        and (procedures.beslisdatum is null or procedures.beslisdatum > stays.instroomdatum)

),

reasons as (

    select
        stays.kennisstand,
        stays.verblijf_key,
        list_filter([
            case when stays.samenstelling = 'GEZIN' then 'GEZIN' end,
            case when countries.eu_lid_2020 then 'EU_BURGER' end,
            case when list_contains(coalesce(measures_in_force.maatregelen, []), 'INREISVERBOD_ZWAAR') then 'INREISVERBOD_ZWAAR' end,  -- noqa: LT05
            case when list_contains(coalesce(measures_in_force.maatregelen, []), 'ONGEWENSTVERKLARING') then 'ONGEWENSTVERKLARING' end,  -- noqa: LT05
            case when list_contains(coalesce(measures_in_force.maatregelen, []), 'DUBLINCLAIM') then 'DUBLINCLAIM' end,
            case when asylum_pending.verblijf_key is not null then 'RIJKSOPVANG' end,
            case when not stays.regiobinding then 'GEEN_REGIOBINDING' end
        ], lambda r: r is not null) as buiten_doelgroep_redenen
    from stays
    left join countries on countries.iso3 = stays.nationaliteit
    left join measures_in_force
        on measures_in_force.kennisstand = stays.kennisstand
        and measures_in_force.verblijf_key = stays.verblijf_key
    left join asylum_pending
        on asylum_pending.kennisstand = stays.kennisstand
        and asylum_pending.verblijf_key = stays.verblijf_key

)

select
    kennisstand,
    verblijf_key,
    len(buiten_doelgroep_redenen) = 0 as in_doelgroep,
    buiten_doelgroep_redenen
from reasons
