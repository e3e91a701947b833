-- The five pilots with their agreed capacity, in the contract's order.
select bron, gemeentecode, gemeente, capaciteit, volgorde
from {{ ref('pilots') }}
order by volgorde
