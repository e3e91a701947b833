{#
  The reconciled outflow category of MONITOR.md, from the municipal reason, the earliest IND
  permit in the window and the outcome of the latest DT&V departure in the window (both NULL when
  there is none, e.g. for an unlinked stay). One definition, used by the intermediate model and
  by the monitor at any peildatum.
#}
{% macro uitstroomcategorie(reden, eerste_inwilliging, laatste_vertrek_uitkomst) -%}
case
    when {{ reden }} = 'VERBLIJFSVERGUNNING' then
        case when {{ eerste_inwilliging }} is not null then 'bestendig_verblijf' else 'onbevestigd' end
    when {{ reden }} in ('TERUGKEER', 'DOORMIGRATIE', 'MOB') then
        coalesce({{ laatste_vertrek_uitkomst }}, case when {{ reden }} = 'MOB' then 'mob' else 'onbevestigd' end)
    when {{ reden }} = 'ASIELAANVRAAG' then 'asielaanvraag_azc'
    when {{ reden }} = 'UITSTEL_VERTREK_ART64' then 'uitstel_art64'
    when {{ reden }} = 'BBB' then 'terug_bbb'
    when {{ reden }} = 'GEDWONGEN_BEEINDIGD' then 'gedwongen_beeindigd'
    when {{ reden }} = 'OVERIG' then 'overig'
end
{%- endmacro %}
