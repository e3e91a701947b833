{#
  The monitor table of MONITOR.md for a set of peildata, as one query.

  `peildata` is SQL yielding (peildatum DATE, modus VARCHAR, kennisstand VARCHAR): which
  knowledge state to read for each peildatum. `t` maps the basis tables to relation names, so
  the same SQL serves the fct_monitor model (dbt refs) and the monitor_op table macro in the
  published file (plain schema.table names, whatever the database file is called).

  Rules (MONITOR.md): events count when dated on or before P, national records too; persons
  are counted distinct, once per pilot and once nationally in `totaal`; outflow figures count
  stays.
#}
{% macro monitor_query(peildata, t) -%}
with

peildata as ({{ peildata }}),

pilots as (

    select bron, gemeente, capaciteit, volgorde from {{ t.pilots }}

),

stays as (

    select peildata.peildatum, peildata.modus, verblijven.*
    from peildata
    inner join {{ t.verblijven }} as verblijven
        on verblijven.kennisstand = peildata.kennisstand
        and verblijven.instroomdatum <= peildata.peildatum

),

evidence as (

    select peildata.peildatum, peildata.modus, bewijs.verblijf_key, bewijs.soort_bewijs, bewijs.datum, bewijs.uitkomst
    from peildata
    inner join {{ t.bewijs }} as bewijs
        on bewijs.kennisstand = peildata.kennisstand
        and bewijs.datum <= peildata.peildatum

),

ended as (

    select
        stays.peildatum, stays.modus, stays.bron, stays.verblijf_key,
        {{ uitstroomcategorie(
            'any_value(stays.uitstroomreden)',
            "min(evidence.datum) filter (where evidence.soort_bewijs = 'inwilliging')",
            "arg_max(evidence.uitkomst, evidence.datum) filter (where evidence.soort_bewijs = 'vertrek')"
        ) }} as categorie
    from stays
    left join evidence
        on evidence.peildatum = stays.peildatum
        and evidence.modus = stays.modus
        and evidence.verblijf_key = stays.verblijf_key
    where stays.in_doelgroep and stays.uitstroomdatum <= stays.peildatum
    group by stays.peildatum, stays.modus, stays.bron, stays.verblijf_key

),

present as (

    select
        *,
        row_number() over (partition by peildatum, modus, persoon_key, bron order by instroomdatum desc, verblijf_key) as rang_pilot,
        row_number() over (partition by peildatum, modus, persoon_key order by instroomdatum desc, verblijf_key) as rang_totaal
    from stays
    where in_doelgroep and (uitstroomdatum is null or uitstroomdatum > peildatum)

),

events as (

    select peildata.peildatum, peildata.modus, gebeurtenissen.verblijf_key, gebeurtenissen.datum, gebeurtenissen.gebeurtenis
    from peildata
    inner join {{ t.gebeurtenissen }} as gebeurtenissen
        on gebeurtenissen.kennisstand = peildata.kennisstand
        and gebeurtenissen.datum <= peildata.peildatum

),

present_scenario as (

    select
        present.peildatum, present.modus, present.bron, present.persoon_key, present.rang_pilot, present.rang_totaal,
        coalesce(
            arg_max(events.gebeurtenis, events.datum) filter (where events.gebeurtenis like 'SCENARIO_%'),
            'GEEN'
        ) as scenario
    from present
    left join events
        on events.peildatum = present.peildatum
        and events.modus = present.modus
        and events.verblijf_key = present.verblijf_key
    group by all

),

mrt as (

    select distinct stays.peildatum, stays.modus, stays.bron, stays.persoon_key
    from stays
    inner join events
        on events.peildatum = stays.peildatum
        and events.modus = stays.modus
        and events.verblijf_key = stays.verblijf_key
        and events.gebeurtenis = 'MRT_ADVIES'
    where stays.in_doelgroep

),

{%- set categories = ['bestendig_verblijf', 'terugkeer', 'doormigratie', 'asielaanvraag_azc', 'uitstel_art64',
                      'mob', 'terug_bbb', 'gedwongen_beeindigd', 'onbevestigd', 'overig'] %}

-- Counts per pilot and, with bron NULL, nationally (persons distinct over all pilots).
person_counts as (

    select peildatum, modus, bron,
           count(distinct persoon_key) filter (where in_doelgroep) as ooit_opgevangen,
           count(distinct persoon_key) filter (where not in_doelgroep) as buiten_doelgroep
    from stays
    group by grouping sets ((peildatum, modus, bron), (peildatum, modus))

),

present_counts as (

    select peildatum, modus, bron, count(distinct persoon_key) as aanwezig
    from present
    group by grouping sets ((peildatum, modus, bron), (peildatum, modus))

),

outflow_counts as (

    select peildatum, modus, bron,
        {%- for category in categories %}
           count(*) filter (where categorie = '{{ category }}') as {{ category }}{{ "," if not loop.last }}
        {%- endfor %}
    from ended
    group by grouping sets ((peildatum, modus, bron), (peildatum, modus))

),

-- A person present in two pilots counts in each pilot with that pilot's current stay, and
-- nationally once, with the stay that started last.
scenario_counts as (

    select peildatum, modus, bron,
           count(*) filter (where scenario = 'SCENARIO_VERTREK') as scenario_vertrek,
           count(*) filter (where scenario = 'SCENARIO_VERBLIJF') as scenario_verblijf,
           count(*) filter (where scenario = 'GEEN') as scenario_geen
    from present_scenario
    where rang_pilot = 1
    group by peildatum, modus, bron

    union all

    select peildatum, modus, null as bron,
           count(*) filter (where scenario = 'SCENARIO_VERTREK'),
           count(*) filter (where scenario = 'SCENARIO_VERBLIJF'),
           count(*) filter (where scenario = 'GEEN')
    from present_scenario
    where rang_totaal = 1
    group by peildatum, modus

),

mrt_counts as (

    select peildatum, modus, bron, count(distinct persoon_key) as mrt_besproken
    from mrt
    group by grouping sets ((peildatum, modus, bron), (peildatum, modus))

),

rows_ as (

    select peildata.peildatum, peildata.modus, pilots.bron, pilots.gemeente, pilots.capaciteit::integer as capaciteit, pilots.volgorde
    from peildata cross join pilots

    union all

    select peildata.peildatum, peildata.modus, null, 'totaal', (select sum(capaciteit) from pilots)::integer, 99  -- sum() is HUGEINT: places are a count
    from peildata

),

combined as (

    select
        rows_.peildatum, rows_.modus, rows_.volgorde, rows_.gemeente, rows_.capaciteit,
        coalesce(person_counts.ooit_opgevangen, 0) as ooit_opgevangen,
        coalesce(present_counts.aanwezig, 0) as aanwezig,
        {%- for category in categories %}
        coalesce(outflow_counts.{{ category }}, 0) as {{ category }},
        {%- endfor %}
        coalesce(scenario_counts.scenario_vertrek, 0) as scenario_vertrek,
        coalesce(scenario_counts.scenario_verblijf, 0) as scenario_verblijf,
        coalesce(scenario_counts.scenario_geen, 0) as scenario_geen,
        coalesce(mrt_counts.mrt_besproken, 0) as mrt_besproken,
        coalesce(person_counts.buiten_doelgroep, 0) as buiten_doelgroep
    from rows_
    left join person_counts
        on person_counts.peildatum = rows_.peildatum and person_counts.modus = rows_.modus
        and person_counts.bron is not distinct from rows_.bron
    left join present_counts
        on present_counts.peildatum = rows_.peildatum and present_counts.modus = rows_.modus
        and present_counts.bron is not distinct from rows_.bron
    left join outflow_counts
        on outflow_counts.peildatum = rows_.peildatum and outflow_counts.modus = rows_.modus
        and outflow_counts.bron is not distinct from rows_.bron
    left join scenario_counts
        on scenario_counts.peildatum = rows_.peildatum and scenario_counts.modus = rows_.modus
        and scenario_counts.bron is not distinct from rows_.bron
    left join mrt_counts
        on mrt_counts.peildatum = rows_.peildatum and mrt_counts.modus = rows_.modus
        and mrt_counts.bron is not distinct from rows_.bron

)

select
    peildatum, modus, gemeente, capaciteit, ooit_opgevangen, aanwezig,
    {%- for category in categories %}
    {{ category }},
    {%- endfor %}
    bestendig_verblijf + terugkeer + doormigratie as bestendig_totaal,
    scenario_vertrek, scenario_verblijf, scenario_geen, mrt_besproken, buiten_doelgroep
from combined
order by peildatum, modus, volgorde
{%- endmacro %}


{#
  The peildata part for one date: the newest state, or "as reported" (the latest knowledge
  state whose date is on or before the peildatum; none yet → nothing counted).
#}
{% macro monitor_peildata_for(peildatum_expr, as_reported_expr, kennisstanden) -%}
select
    cast({{ peildatum_expr }} as date) as peildatum,
    case when {{ as_reported_expr }} then 'zoals_gerapporteerd' else 'nieuwste' end as modus,
    case
        when {{ as_reported_expr }} then coalesce(
            (select max(kennisstand) from {{ kennisstanden }}
             where kennisstand <> 'nieuwste' and tot_en_met <= cast({{ peildatum_expr }} as date)),
            'geen')
        else 'nieuwste'
    end as kennisstand
{%- endmacro %}


{#
  on-run-end hook: (re)create the table macro marts.monitor_op(peildatum, as_reported) so that
  analysts get the monitor for any date in SQL: SELECT * FROM marts.monitor_op(DATE '2020-11-01', false)
#}
{% macro create_monitor_op() -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set names = {
            'pilots': 'marts.dim_pilot',
            'verblijven': 'marts.fct_monitor_verblijven',
            'bewijs': 'marts.fct_monitor_bewijs',
            'gebeurtenissen': 'marts.fct_monitor_gebeurtenissen',
        } -%}
        {%- set exists_query -%}
            select count(*) from information_schema.tables
            where table_schema = 'marts' and table_name = 'fct_monitor_verblijven'
        {%- endset -%}
        {%- if run_query(exists_query).columns[0].values()[0] > 0 -%}
            {%- set ddl -%}
create or replace macro marts.monitor_op(p, as_reported) as table
{{ monitor_query(monitor_peildata_for('p', 'as_reported', 'marts.dim_monitor_kennisstanden'), names) }}
            {%- endset -%}
            {%- do run_query(ddl) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
