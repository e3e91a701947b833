-- The monitor table of MONITOR.md, precomputed for every first of the month from 2019-04-01 to
-- the newest delivery peildatum and for every delivery peildatum, in both modes: `nieuwste`
-- (newest deliveries, corrections included) and `zoals_gerapporteerd` (only deliveries whose
-- peildatum is on or before the peildatum). For any other date: marts.monitor_op(date, as_reported).

{%- set tables = monitor_basis_refs() %}

{%- set peildata -%}
    with states as (
        select kennisstand, tot_en_met from {{ ref('dim_monitor_kennisstanden') }}
    ),
    bounds as (
        select max(tot_en_met) filter (where kennisstand <> 'nieuwste') as laatste from states
    ),
    dates as (
        select cast(unnest(range(date '2019-04-01', bounds.laatste + interval 1 day, interval 1 month)) as date) as peildatum
        from bounds
        union
        select tot_en_met from states where kennisstand <> 'nieuwste'
    )
    select dates.peildatum, 'nieuwste' as modus, 'nieuwste' as kennisstand from dates
    union all
    select dates.peildatum, 'zoals_gerapporteerd',
           coalesce((select max(s.kennisstand) from states s
                     where s.kennisstand <> 'nieuwste' and s.tot_en_met <= dates.peildatum), 'geen')
    from dates
{%- endset %}

{{ monitor_query_stepwise(peildata, tables) }}
