-- One row per person (newest state): a linked v_nummer, or an unlinked client of one pilot.
-- Only the pseudonymized key and coarse characteristics: no v_nummer, client_id or birth date.

with

stays as (

    select * from {{ ref('int_verblijven__gekoppeld') }}
    where kennisstand = 'nieuwste'

),

departures as (

    select v_nummer, startdatum
    from {{ ref('int_vertrekzaken__per_kennisstand') }}
    where kennisstand = 'nieuwste'

),

per_person as (

    select
        persoon_key,
        arg_max(geslacht, instroomdatum) as geslacht,
        arg_max(nationaliteit, instroomdatum) as nationaliteit,
        min(instroomdatum) as eerste_instroomdatum,
        date_diff('year', arg_min(geboortedatum, instroomdatum), min(instroomdatum))
            - case when strftime(arg_min(geboortedatum, instroomdatum), '%m%d') > strftime(min(instroomdatum), '%m%d')
                   then 1 else 0 end as leeftijd_bij_eerste_instroom,
        count(*) as aantal_verblijven,
        count(distinct bron) as aantal_pilots,
        any_value(v_nummer) as v_nummer,
        bool_or(gekoppeld) as gekoppeld,
        any_value(koppelmethode) as koppelmethode
    from stays
    group by persoon_key

),

earlier_departures as (

    select per_person.persoon_key, count(departures.v_nummer) as eerdere_vertrekprocedures
    from per_person
    left join departures
        on departures.v_nummer = per_person.v_nummer
        and departures.startdatum < per_person.eerste_instroomdatum
    group by per_person.persoon_key

)

select
    per_person.persoon_key,
    per_person.geslacht,
    per_person.nationaliteit,
    per_person.leeftijd_bij_eerste_instroom,
    per_person.eerste_instroomdatum,
    per_person.aantal_verblijven,
    per_person.aantal_pilots,
    case when per_person.gekoppeld then earlier_departures.eerdere_vertrekprocedures end as eerdere_vertrekprocedures,
    per_person.gekoppeld,
    per_person.koppelmethode
from per_person
left join earlier_departures using (persoon_key)
order by persoon_key
