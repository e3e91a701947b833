{#
  The rows of one file type as known in each knowledge state: the rows of the delivery that
  counts for that state (int_leveringen__per_kennisstand), with the state's name in front.
#}
{% macro rows_per_kennisstand(bestand, staging_model) -%}
with

chosen as (

    select kennisstand, delivery_id
    from {{ ref('int_leveringen__per_kennisstand') }}
    where bestand = '{{ bestand }}'

),

rows_ as (

    select * from {{ ref(staging_model) }}

)

select chosen.kennisstand, rows_.*
from chosen
inner join rows_ using (delivery_id)
{%- endmacro %}
