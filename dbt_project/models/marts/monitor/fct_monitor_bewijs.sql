-- The national records that decide an outflow category, per knowledge state and stay: IND
-- permits and DT&V departures in the stay's window, with their dates, so the monitor at a
-- peildatum P counts only those dated on or before P.
select kennisstand, verblijf_key, soort_bewijs, datum, uitkomst
from {{ ref('int_uitstroom__bewijs') }}
where soort_bewijs in ('inwilliging', 'vertrek')
order by kennisstand, verblijf_key, datum
