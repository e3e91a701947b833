-- The knowledge states the monitor can be computed in (see int_kennisstanden).
select kennisstand, tot_en_met from {{ ref('int_kennisstanden') }} order by tot_en_met
