-- The monitor's basis, per knowledge state: every stay with its pilot, dates, municipal reason
-- and target-group verdict. Keys only: no identifiers.
select
    v.kennisstand,
    v.verblijf_key,
    v.persoon_key,
    v.bron,
    v.instroomdatum,
    v.uitstroomdatum,
    v.uitstroomreden,
    d.in_doelgroep
from {{ ref('int_verblijven__gekoppeld') }} as v
inner join {{ ref('int_verblijven__doelgroep') }} as d using (kennisstand, verblijf_key)
order by v.kennisstand, v.verblijf_key
