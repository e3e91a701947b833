-- Trajectory events (scenarios, MRT) per knowledge state and stay, for the monitor's scenario
-- and MRT columns. Events whose stay is unknown in that state cannot be counted and are left out.
select e.kennisstand, k.verblijf_key, e.datum, e.gebeurtenis
from {{ ref('int_trajecten__per_kennisstand') }} as e
inner join {{ source('linkage', 'verblijf_keys') }} as k
    on k.bron = e.gemeente_bron and k.verblijf_id = e.verblijf_id
inner join {{ ref('int_verblijven__gekoppeld') }} as v
    on v.kennisstand = e.kennisstand and v.verblijf_key = k.verblijf_key
order by e.kennisstand, k.verblijf_key, e.datum
