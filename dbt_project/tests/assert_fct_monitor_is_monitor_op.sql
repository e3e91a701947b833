-- fct_monitor (monitor_query_stepwise, for every peildatum at once) and the table macro
-- marts.monitor_op (monitor_query, stay by stay at one peildatum) are two computations of the
-- same rules. On the night's data they must give the same rows: checked at the newest peildatum
-- and at the date of the oldest knowledge state, in both modes. Returns the rows that differ.

{%- set tables = monitor_basis_refs() %}

{%- set peildata -%}
    with states as (
        select kennisstand, tot_en_met from {{ ref('dim_monitor_kennisstanden') }}
        where kennisstand <> 'nieuwste'
    ),
    dates as (
        select max(peildatum) as peildatum from {{ ref('fct_monitor') }}
        union
        select min(tot_en_met) from states
    )
    select peildatum, 'nieuwste' as modus, 'nieuwste' as kennisstand from dates where peildatum is not null
    union all
    select dates.peildatum, 'zoals_gerapporteerd',
           coalesce((select max(s.kennisstand) from states as s where s.tot_en_met <= dates.peildatum), 'geen')
    from dates
    where dates.peildatum is not null
{%- endset %}

with

per_peildatum as (

    {{ monitor_query(peildata, tables) }}

),

stepwise as (

    select * from {{ ref('fct_monitor') }}
    where peildatum in (select peildatum from per_peildatum)

),

only_per_peildatum as (

    select * from per_peildatum
    except all
    select * from stepwise

),

only_stepwise as (

    select * from stepwise
    except all
    select * from per_peildatum

)

select 'alleen monitor_op' as verschil, * from only_per_peildatum
union all
select 'alleen fct_monitor' as verschil, * from only_stepwise
