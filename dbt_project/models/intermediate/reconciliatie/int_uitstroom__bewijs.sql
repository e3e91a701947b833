-- The national records that can confirm or contradict the end of a stay: every record of the
-- linked person dated in the window W = [instroomdatum, uitstroomdatum + N days] (MONITOR.md,
-- "Outflow category"; N: the var reconciliatie_venster_dagen of dbt_project.yml,
-- read by macros/reconciliatie_venster.sql), per knowledge state. One row per record; a stay may have none.
--   soort_bewijs: inwilliging (IND permit granted), vertrek (DT&V departure),
--                 asiel_herhaald (repeat asylum application), art64 (art. 64 postponement granted)

with

ended as (

    select kennisstand, verblijf_key, v_nummer, instroomdatum, uitstroomdatum,
           uitstroomdatum + interval {{ reconciliatie_venster_dagen() }} day as venster_eind
    from {{ ref('int_verblijven__gekoppeld') }}
    where uitstroomdatum is not null and v_nummer is not null

),

procedures as (

    select * from {{ ref('int_procedures__per_kennisstand') }}

),

departures as (

    select * from {{ ref('int_vertrekzaken__per_kennisstand') }}

),

permits as (

    select ended.kennisstand, ended.verblijf_key, 'inwilliging' as soort_bewijs, 'IND' as register,
           procedures.beslisdatum as datum, cast(null as varchar) as uitkomst, cast(null as varchar) as land,
           procedures.procedure_id as record_id
    from ended
    inner join procedures
        on procedures.kennisstand = ended.kennisstand and procedures.v_nummer = ended.v_nummer
    where procedures.soort in ('ASIEL_EERSTE', 'ASIEL_HERHAALD', 'REGULIER', 'BUITEN_SCHULD')
      and procedures.beslissing = 'INWILLIGING'
      and procedures.beslisdatum between ended.instroomdatum and ended.venster_eind

),

repeat_asylum as (

    select ended.kennisstand, ended.verblijf_key, 'asiel_herhaald', 'IND',
           procedures.aanvraagdatum, null, null, procedures.procedure_id
    from ended
    inner join procedures
        on procedures.kennisstand = ended.kennisstand and procedures.v_nummer = ended.v_nummer
    where procedures.soort = 'ASIEL_HERHAALD'
      and procedures.aanvraagdatum between ended.instroomdatum and ended.venster_eind

),

postponements as (

    select ended.kennisstand, ended.verblijf_key, 'art64', 'IND',
           procedures.beslisdatum, null, null, procedures.procedure_id
    from ended
    inner join procedures
        on procedures.kennisstand = ended.kennisstand and procedures.v_nummer = ended.v_nummer
    where procedures.soort = 'MEDISCH_ART64'
      and procedures.beslissing = 'INWILLIGING'
      and procedures.beslisdatum between ended.instroomdatum and ended.venster_eind

),

departed as (

    select ended.kennisstand, ended.verblijf_key, 'vertrek', 'DT&V',
           departures.vertrekdatum,
           case
               when departures.vertrekwijze = 'ZELFSTANDIG_NIET_AANTOONBAAR' then 'mob'
               when departures.bestemming = 'HERKOMSTLAND' then 'terugkeer'
               when departures.bestemming = 'DERDE_LAND' then 'doormigratie'
           end,
           departures.land,
           departures.zaak_id
    from ended
    inner join departures
        on departures.kennisstand = ended.kennisstand and departures.v_nummer = ended.v_nummer
    where departures.vertrekdatum between ended.instroomdatum and ended.venster_eind

)

select * from permits
union all select * from repeat_asylum
union all select * from postponements
union all select * from departed
