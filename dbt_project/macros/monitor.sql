{#
  The monitor table of MONITOR.md for a set of peildata, as one query.

  `peildata` is SQL yielding (peildatum DATE, modus VARCHAR, kennisstand VARCHAR): which
  knowledge state to read for each peildatum. `t` maps the basis tables to relation names, so
  the same SQL serves dbt (refs) and the monitor_op table macro in the published file (plain
  schema.table names, whatever the database file is called).

  This form counts stay by stay at each peildatum, as the rules read, and is the cheapest for
  one peildatum: the table macro monitor_op uses it. fct_monitor, for some fifty peildata at
  once, uses monitor_query_stepwise below, which gives the same rows.

  Rules (MONITOR.md): events count when dated on or before P, national records too; persons
  are counted distinct, once per pilot and once nationally in `totaal`; outflow figures count
  stays.
#}
{% macro monitor_query(peildata, t) -%}
{%- set categories = monitor_uitstroomcategorieen() %}
with

{{ monitor_inputs(peildata, t) }}

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

{{ monitor_rows(categories) }}
{%- endmacro %}


{#
  The same monitor table for many peildata at once (fct_monitor: every first of the month and
  every delivery peildatum, in both modes), with the same rules and the same figures as
  monitor_query, computed without repeating every stay for every peildatum. A dbt test
  (tests/assert_fct_monitor_is_monitor_op.sql) holds the two forms equal on the night's data.
  How: each count is a step function of the peildatum, per knowledge state and scope (a pilot,
  or nationally with bron NULL). The query writes down where each function steps (`*_steps`:
  +1 or -1 from a date on) and sums, for every peildatum, the steps dated on or before it
  (`sum_steps_at_peildata`). Only persons with overlapping present stays in one scope (whose
  current stay is chosen among several) are evaluated per peildatum, as the rule states it.
  At demo scale 100 (877 k stays in 8 knowledge states, 46 peildata): 14.5 s → ~3.5 s, and a
  quarter of the disk spill (docs/decisions.md 12d-1, benchmarks/README.md).
#}
{% macro monitor_query_stepwise(peildata, t) -%}
{%- set categories = monitor_uitstroomcategorieen() %}
with

{{ monitor_inputs(peildata, t) }}

-- The stays of the knowledge states read.
stays as (

    select kennisstand, bron, verblijf_key, persoon_key, instroomdatum, uitstroomdatum, uitstroomreden, in_doelgroep
    from {{ t.verblijven }}
    where kennisstand in (select kennisstand from peildata)

),

-- The same stays once per pilot and once nationally (bron NULL): the person counts are per scope.
scoped as (

    select * from stays

    union all

    select kennisstand, null as bron, verblijf_key, persoon_key, instroomdatum, uitstroomdatum, uitstroomreden, in_doelgroep
    from stays

),

-- ooit_opgevangen, buiten_doelgroep: a person counts from the first instroom in the scope on.
person_steps as (

    select kennisstand, bron, datum,
           count(*) filter (where in_doelgroep) as ooit_opgevangen,
           count(*) filter (where not in_doelgroep) as buiten_doelgroep
    from (
        select kennisstand, bron, persoon_key, in_doelgroep, min(instroomdatum) as datum
        from scoped
        where persoon_key is not null
        group by kennisstand, bron, persoon_key, in_doelgroep
    )
    where datum is not null
    group by kennisstand, bron, datum

),

-- Present at P: instroom <= P < uitstroom. A person's present stays in a scope form islands
-- of overlapping stays; islands never overlap, so a person is present at P in at most one.
present_stays as (

    select kennisstand, bron, verblijf_key, persoon_key, instroomdatum as van,
           coalesce(uitstroomdatum, date 'infinity') as tot
    from scoped
    where in_doelgroep and instroomdatum is not null and (uitstroomdatum is null or uitstroomdatum > instroomdatum)

),

present_ordered as (

    select *,
           max(tot) over (
               partition by kennisstand, bron, persoon_key order by van, verblijf_key
               rows between unbounded preceding and 1 preceding
           ) as eerder_tot,
           lead(van) over (partition by kennisstand, bron, persoon_key order by van, verblijf_key) as volgende_van
    from present_stays

),

present_islands as (

    select *,
           eerder_tot is null or van >= eerder_tot as begint_eiland,
           greatest(coalesce(eerder_tot, tot), tot) as eiland_tot,
           volgende_van is null or volgende_van >= greatest(coalesce(eerder_tot, tot), tot) as eindigt_eiland
    from present_ordered

),

present_steps as (

    select kennisstand, bron, datum, sum(stap) as aanwezig
    from (
        select kennisstand, bron, van as datum, 1 as stap
        from present_islands where persoon_key is not null and begint_eiland
        union all
        select kennisstand, bron, eiland_tot, -1
        from present_islands where persoon_key is not null and eindigt_eiland and eiland_tot <> date 'infinity'
    )
    group by kennisstand, bron, datum

),

-- The scenario of a stay at P: its latest SCENARIO_ event dated on or before P, else GEEN.
scenario_events as (

    select kennisstand, verblijf_key, datum, gebeurtenis
    from {{ t.gebeurtenissen }}
    where gebeurtenis like 'SCENARIO_%' and datum is not null and kennisstand in (select kennisstand from peildata)

),

-- Per present stay, its scenario as a function of P: each stay's events and its instroom on one
-- time line (an event on the day of instroom counts at instroom), the latest event carried forward.
scenario_timeline as (

    select kennisstand, verblijf_key, van, tot, punt, is_punt,
           coalesce(last_value(gebeurtenis ignore nulls) over (
               partition by kennisstand, verblijf_key order by punt, is_punt rows unbounded preceding
           ), 'GEEN') as scenario
    from (
        select kennisstand, verblijf_key, van, tot, van as punt, true as is_punt, null as gebeurtenis
        from present_stays where bron is not null
        union all
        select e.kennisstand, e.verblijf_key, s.van, s.tot, e.datum, e.datum > s.van and e.datum < s.tot, e.gebeurtenis
        from scenario_events as e
        inner join present_stays as s
            on s.bron is not null and s.kennisstand = e.kennisstand and s.verblijf_key = e.verblijf_key
    )

),

scenario_segments as (

    select kennisstand, verblijf_key, punt, scenario,
           coalesce(lead(punt) over (partition by kennisstand, verblijf_key order by punt), tot) as eind
    from scenario_timeline
    where is_punt

),

-- A stay alone in its island (in that scope) is the person's current stay whenever present.
scenario_steps as (

    select alone.kennisstand, alone.bron, steps.datum,
           sum(steps.stap) filter (where steps.scenario = 'SCENARIO_VERTREK') as scenario_vertrek,
           sum(steps.stap) filter (where steps.scenario = 'SCENARIO_VERBLIJF') as scenario_verblijf,
           sum(steps.stap) filter (where steps.scenario = 'GEEN') as scenario_geen
    from (
        select kennisstand, verblijf_key, scenario, punt as datum, 1 as stap from scenario_segments
        union all
        select kennisstand, verblijf_key, scenario, eind, -1 from scenario_segments where eind <> date 'infinity'
    ) as steps
    inner join (
        select kennisstand, bron, verblijf_key from present_islands where begint_eiland and eindigt_eiland
    ) as alone
        on alone.kennisstand = steps.kennisstand and alone.verblijf_key = steps.verblijf_key
    group by alone.kennisstand, alone.bron, steps.datum

),

-- A person with overlapping present stays in the scope: at each P the stay that started last
-- (then the lowest key) decides, evaluated per peildatum as the rule states it.
overlapping_present as (

    select peildata.peildatum, peildata.modus, s.kennisstand, s.bron, s.persoon_key, s.verblijf_key,
           row_number() over (
               partition by peildata.peildatum, peildata.modus, s.bron, s.persoon_key order by s.van desc, s.verblijf_key
           ) as rang
    from present_islands as s
    inner join peildata
        on peildata.kennisstand = s.kennisstand and s.van <= peildata.peildatum and s.tot > peildata.peildatum
    where not (s.begint_eiland and s.eindigt_eiland)

),

overlapping_scenarios as (

    select p.peildatum, p.modus, p.bron, p.verblijf_key,
           coalesce(arg_max(e.gebeurtenis, e.datum), 'GEEN') as scenario
    from overlapping_present as p
    left join scenario_events as e
        on e.kennisstand = p.kennisstand and e.verblijf_key = p.verblijf_key and e.datum <= p.peildatum
    where p.rang = 1
    group by p.peildatum, p.modus, p.bron, p.verblijf_key

),

-- Outflow counts stays (additive over pilots). An ended stay counts from uitstroom (and
-- instroom) on; its category steps at each later national record.
ended_stays as (

    select kennisstand, bron, verblijf_key, uitstroomreden, greatest(instroomdatum, uitstroomdatum) as vanaf
    from stays
    where in_doelgroep and instroomdatum is not null and uitstroomdatum is not null

),

ended_points as (

    select kennisstand, bron, verblijf_key, uitstroomreden, vanaf as punt
    from ended_stays

    union

    select s.kennisstand, s.bron, s.verblijf_key, s.uitstroomreden, b.datum
    from ended_stays as s
    inner join {{ t.bewijs }} as b
        on b.kennisstand = s.kennisstand and b.verblijf_key = s.verblijf_key and b.datum > s.vanaf

),

ended_categories as (

    select
        p.kennisstand, p.bron, p.verblijf_key, p.punt,
        {{ uitstroomcategorie(
            'any_value(p.uitstroomreden)',
            "min(b.datum) filter (where b.soort_bewijs = 'inwilliging')",
            "arg_max(b.uitkomst, b.datum) filter (where b.soort_bewijs = 'vertrek')"
        ) }} as categorie
    from ended_points as p
    left join {{ t.bewijs }} as b
        on b.kennisstand = p.kennisstand and b.verblijf_key = p.verblijf_key and b.datum <= p.punt
    group by p.kennisstand, p.bron, p.verblijf_key, p.punt

),

ended_segments as (

    select *, lead(punt) over (partition by kennisstand, verblijf_key order by punt) as eind
    from ended_categories

),

outflow_steps as (

    select kennisstand, bron, datum,
        {%- for category in categories %}
           sum(stap) filter (where categorie = '{{ category }}') as {{ category }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select kennisstand, bron, categorie, punt as datum, 1 as stap from ended_segments
        union all
        select kennisstand, bron, categorie, eind, -1 from ended_segments where eind is not null
    )
    group by grouping sets ((kennisstand, bron, datum), (kennisstand, datum))

),

-- mrt_besproken: a person counts from the first date on which a stay in the target group has
-- begun and has an MRT_ADVIES.
mrt_stays as (

    select s.kennisstand, s.bron, s.persoon_key, greatest(s.instroomdatum, e.eerste) as datum
    from stays as s
    inner join (
        select kennisstand, verblijf_key, min(datum) as eerste
        from {{ t.gebeurtenissen }}
        where gebeurtenis = 'MRT_ADVIES' and datum is not null
        group by kennisstand, verblijf_key
    ) as e
        on e.kennisstand = s.kennisstand and e.verblijf_key = s.verblijf_key
    where s.in_doelgroep and s.persoon_key is not null and s.instroomdatum is not null

),

mrt_steps as (

    select kennisstand, bron, datum, count(*) as mrt_besproken
    from (
        select kennisstand, bron, persoon_key, min(datum) as datum
        from mrt_stays
        group by kennisstand, bron, persoon_key
        union all
        select kennisstand, null, persoon_key, min(datum)
        from mrt_stays
        group by kennisstand, persoon_key
    )
    group by kennisstand, bron, datum

),

person_counts as ({{ sum_steps_at_peildata('person_steps', ['ooit_opgevangen', 'buiten_doelgroep']) }}),

present_counts as ({{ sum_steps_at_peildata('present_steps', ['aanwezig']) }}),

outflow_counts as ({{ sum_steps_at_peildata('outflow_steps', categories) }}),

scenario_counts as (

    select peildatum, modus, bron,
           sum(scenario_vertrek)::bigint as scenario_vertrek,
           sum(scenario_verblijf)::bigint as scenario_verblijf,
           sum(scenario_geen)::bigint as scenario_geen
    from (
        {{ sum_steps_at_peildata('scenario_steps', ['scenario_vertrek', 'scenario_verblijf', 'scenario_geen']) }}
        union all
        select peildatum, modus, bron,
               count(*) filter (where scenario = 'SCENARIO_VERTREK'),
               count(*) filter (where scenario = 'SCENARIO_VERBLIJF'),
               count(*) filter (where scenario = 'GEEN')
        from overlapping_scenarios
        group by peildatum, modus, bron
    )
    group by peildatum, modus, bron

),

mrt_counts as ({{ sum_steps_at_peildata('mrt_steps', ['mrt_besproken']) }}),

{{ monitor_rows(categories) }}
{%- endmacro %}


{# The monitor's basis tables as dbt relations, for the models and tests that compute it. #}
{% macro monitor_basis_refs() -%}
    {{ return({
        'pilots': ref('dim_pilot'),
        'verblijven': ref('fct_monitor_verblijven'),
        'bewijs': ref('fct_monitor_bewijs'),
        'gebeurtenissen': ref('fct_monitor_gebeurtenissen'),
    }) }}
{%- endmacro %}


{# The ten outflow categories in the monitor's column order (MONITOR.md). #}
{% macro monitor_uitstroomcategorieen() -%}
    {{ return(['bestendig_verblijf', 'terugkeer', 'doormigratie', 'asielaanvraag_azc', 'uitstel_art64',
               'mob', 'terug_bbb', 'gedwongen_beeindigd', 'onbevestigd', 'overig']) }}
{%- endmacro %}


{# The first CTEs of both forms: the peildata asked for and the pilots. #}
{% macro monitor_inputs(peildata, t) -%}
peildata as ({{ peildata }}),

pilots as (

    select bron, gemeente, capaciteit, volgorde from {{ t.pilots }}

),
{%- endmacro %}


{#
  The last CTEs of both forms: one row per pilot and `totaal` per (peildatum, modus), from the
  counts CTEs person_counts, present_counts, outflow_counts, scenario_counts and mrt_counts.
#}
{% macro monitor_rows(categories) -%}
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
  Counts from step functions: for every peildatum, the sum of the steps of its knowledge state
  dated on or before it, per scope (bron; NULL nationally).
#}
{% macro sum_steps_at_peildata(steps, columns) -%}
    select peildata.peildatum, peildata.modus, steps.bron,
        {%- for column in columns %}
           coalesce(sum(steps.{{ column }}), 0)::bigint as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from peildata
    inner join {{ steps }} as steps
        on steps.kennisstand = peildata.kennisstand and steps.datum <= peildata.peildatum
    group by peildata.peildatum, peildata.modus, steps.bron
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
  Only for the commands that build: dbt runs this hook after `docs generate` too, which opens
  the database read-only (pipelines/documentation) and needs no new macro.
#}
{% macro create_monitor_op() -%}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ('build', 'run', 'run-operation') -%}
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
