-- Every row read is either loaded or quarantined: rows_read = rows_loaded + rows_quarantined
-- for every delivery. Returns the deliveries that break the rule.
select
    delivery_id,
    file_name,
    status,
    rows_read,
    rows_loaded,
    rows_quarantined
from {{ ref('stg_ingest__deliveries') }}
where rows_read is distinct from rows_loaded + rows_quarantined
