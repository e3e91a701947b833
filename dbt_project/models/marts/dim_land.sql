-- Countries: ISO3 code, Dutch name, EU membership in 2020, the Dutch list of safe countries of origin.
select iso3, naam_nl, eu_lid_2020, veilig_land_van_herkomst
from {{ ref('countries') }}
order by iso3
