-- The trajecten rows as known in each knowledge state: the rows of the delivery that counts
-- for that state (int_leveringen__per_kennisstand).

with

chosen as (

    select kennisstand, delivery_id
    from {{ ref('int_leveringen__per_kennisstand') }}
    where bestand = 'trajecten'

),

rows_ as (

    select * from {{ ref('stg_gemeente__trajecten') }}

)

select chosen.kennisstand, rows_.*
from chosen
inner join rows_ using (delivery_id)
