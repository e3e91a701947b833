{{ config(materialized='table') }}
-- Facts per delivery that the data-quality expectations judge and fct_afwijkingen lists: one row
-- per file in raw.deliveries (loaded or rejected), plus one row per (bron, bestand) the contract
-- expects that has no loaded delivery at all. Facts only; the thresholds are applied by the
-- expectations (expectations/datakwaliteit.json) and by fct_afwijkingen. No identifiers.
--
--   is_actueel            the delivery counts in the newest state (int_leveringen__per_kennisstand),
--                         or the row stands for a (bron, bestand) that never delivered
--   in_gebruik            the delivery counts in some knowledge state (newest or as reported)
--   vorige_rows_read      rows_read of the loaded delivery of the same (bron, bestand) just before
--                         it (by peildatum, then order of receipt: a correction follows its original)
--   rijen_verhouding      rows_read / vorige_rows_read (a truncated file shows as a sharp drop; the
--                         thresholds LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE / LVV_MIN_RIJEN_T_O_V_VORIGE
--                         apply at every file size, so 312 → 156 rows is flagged as well as 10 → 5)
--   vervangt_delivery_id  a correction: the loaded delivery of the same (bron, bestand, peildatum)
--                         received just before it, which it replaces (NULL: not a correction)
--   vervangt_file_name, vervangt_rows_read   that delivery's file name and rows
--   is_eerdere_peildatum  a delivery with a later peildatum of the same (bron, bestand) was received
--                         before it: a correction then rewrites figures that were already reported
--   quarantaine_aandeel   rows_quarantined / rows_read
--   referentiedatum       the date freshness is measured against: the newest peildatum of all
--                         loaded deliveries (default), or the run date when
--                         LVV_VERSHEID_REFERENTIE=rundatum
--   dagen_achter          referentiedatum - peildatum, for the current delivery of a (bron, bestand)
--   later_geleverd        a loaded delivery of the same (bron, bestand, peildatum) was received after
--                         it (a rejected file that was re-delivered correctly is resolved)
--   gebeurtenissen_zonder_verblijf  trajecten: events in the current file whose verblijf_id is not in
--                         the pilot's current verblijven (they cannot be placed and are not counted)

{%- set referentie = env_var('LVV_VERSHEID_REFERENTIE', 'nieuwste_peildatum') | trim | lower %}

with

deliveries as (

    select * from {{ ref('stg_ingest__deliveries') }}

),

expected as (

    select bron, bestand
    from {{ ref('pilots') }}
    cross join (values ('verblijven'), ('trajecten')) as files(bestand)  -- noqa: AL05, LT01
    union all
    select * from (values ('ind', 'procedures'), ('ind', 'maatregelen'), ('dtv', 'vertrekzaken')) as national(bron, bestand)  -- noqa: AL05, LT01, RF04

),

states as (

    select kennisstand, delivery_id from {{ ref('int_leveringen__per_kennisstand') }}

),

loaded as (

    select
        delivery_id,
        lag(rows_read) over (partition by bron, bestand order by delivery_peildatum, delivery_id) as vorige_rows_read,
        lag(file_name) over (partition by bron, bestand order by delivery_peildatum, delivery_id) as vorige_file_name,
        lag(delivery_id) over (partition by bron, bestand, delivery_peildatum order by delivery_id) as vervangt_delivery_id,
        lag(file_name) over (partition by bron, bestand, delivery_peildatum order by delivery_id) as vervangt_file_name,
        lag(rows_read) over (partition by bron, bestand, delivery_peildatum order by delivery_id) as vervangt_rows_read,
        -- received after a delivery with a later peildatum: it rewrites what was already reported
        delivery_peildatum < max(delivery_peildatum) over (
            partition by bron, bestand order by delivery_id rows between unbounded preceding and 1 preceding
        ) as is_eerdere_peildatum
    from deliveries
    where status = 'loaded'

),

reference as (

    select
        {%- if referentie == 'rundatum' %}
        current_date as referentiedatum
        {%- else %}
        max(delivery_peildatum) as referentiedatum
        {%- endif %}
    from deliveries
    where status = 'loaded'

),

events as (

    select kennisstand, delivery_id, gemeente_bron, verblijf_id
    from {{ ref('int_trajecten__per_kennisstand') }}
    where kennisstand = 'nieuwste'

),

stays as (

    select gemeente_bron, verblijf_id
    from {{ ref('int_verblijven__per_kennisstand') }}
    where kennisstand = 'nieuwste'

),

orphan_events as (

    select events.delivery_id, count(*) as gebeurtenissen_zonder_verblijf
    from events
    left join stays using (gemeente_bron, verblijf_id)
    where stays.verblijf_id is null
    group by events.delivery_id

),

per_delivery as (

    select
        deliveries.bron,
        deliveries.bestand,
        deliveries.file_name,
        deliveries.delivery_id,
        deliveries.delivery_peildatum as peildatum,
        deliveries.status,
        deliveries.reason as reden,
        deliveries.delivery_id in (select delivery_id from states where kennisstand = 'nieuwste') as is_actueel,
        deliveries.delivery_id in (select delivery_id from states) as in_gebruik,
        exists (  -- noqa: LT01, LT06
            select 1 from deliveries as later
            where later.bron = deliveries.bron and later.bestand = deliveries.bestand
              and later.delivery_peildatum = deliveries.delivery_peildatum
              and later.status = 'loaded' and later.delivery_id > deliveries.delivery_id
        ) as later_geleverd,
        deliveries.rows_read,
        deliveries.rows_quarantined,
        loaded.vorige_file_name,
        loaded.vorige_rows_read,
        loaded.vervangt_delivery_id,
        loaded.vervangt_file_name,
        loaded.vervangt_rows_read,
        coalesce(loaded.is_eerdere_peildatum, false) as is_eerdere_peildatum,
        case when deliveries.status = 'loaded' and loaded.vorige_rows_read > 0
             then round(deliveries.rows_read / loaded.vorige_rows_read, 4) end as rijen_verhouding,
        case when deliveries.status = 'loaded' and deliveries.rows_read > 0
             then round(deliveries.rows_quarantined / deliveries.rows_read, 4) end as quarantaine_aandeel,
        case when deliveries.bestand = 'trajecten' and deliveries.status = 'loaded'
              and deliveries.delivery_id in (select delivery_id from states where kennisstand = 'nieuwste')
             then coalesce(orphan_events.gebeurtenissen_zonder_verblijf, 0) end as gebeurtenissen_zonder_verblijf
    from deliveries
    left join loaded using (delivery_id)
    left join orphan_events using (delivery_id)

),

never_delivered as (

    select
        expected.bron,
        expected.bestand,
        cast(null as varchar) as file_name,
        cast(null as integer) as delivery_id,
        cast(null as date) as peildatum,
        cast(null as varchar) as status,
        cast(null as varchar) as reden,
        true as is_actueel,
        false as in_gebruik,
        false as later_geleverd,
        cast(null as integer) as rows_read,
        cast(null as integer) as rows_quarantined,
        cast(null as varchar) as vorige_file_name,
        cast(null as integer) as vorige_rows_read,
        cast(null as integer) as vervangt_delivery_id,
        cast(null as varchar) as vervangt_file_name,
        cast(null as integer) as vervangt_rows_read,
        false as is_eerdere_peildatum,
        cast(null as double) as rijen_verhouding,
        cast(null as double) as quarantaine_aandeel,
        cast(null as bigint) as gebeurtenissen_zonder_verblijf
    from expected
    where not exists (
        select 1 from deliveries
        where deliveries.bron = expected.bron and deliveries.bestand = expected.bestand and deliveries.status = 'loaded'
    )

),

combined as (

    select * from per_delivery
    union all by name
    select * from never_delivered

)

select
    combined.*,
    reference.referentiedatum,
    case when combined.is_actueel and combined.peildatum is not null
         then date_diff('day', combined.peildatum, reference.referentiedatum) end as dagen_achter
from combined
cross join reference
order by combined.bron, combined.bestand, combined.peildatum nulls first, combined.delivery_id
