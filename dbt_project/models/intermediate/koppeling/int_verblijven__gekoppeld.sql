-- Every stay in every knowledge state, with its pseudonyms and the national person it is linked
-- to. Identifiers (client_id, verblijf_id, v_nummer, geboortedatum) are still here: this is the
-- restricted zone; the marts keep only the keys.

with

stays as (

    select * from {{ ref('int_verblijven__per_kennisstand') }}

),

links as (

    select * from {{ source('linkage', 'person_links') }}

),

stay_keys as (

    select * from {{ source('linkage', 'verblijf_keys') }}

),

joined as (

    select
        stays.kennisstand,
        stay_keys.verblijf_key,
        links.persoon_key,
        stays.gemeente_bron as bron,
        stays.client_id,
        stays.verblijf_id,
        links.v_nummer,
        links.methode as koppelmethode,
        links.v_nummer is not null as gekoppeld,
        stays.geboortedatum,
        stays.geslacht,
        stays.nationaliteit,
        stays.samenstelling,
        stays.instroomdatum,
        stays.herkomst,
        stays.regiobinding,
        stays.uitstroomdatum,
        stays.uitstroomreden,
        stays.delivery_id,
        stays.row_number
    from stays
    inner join links
        on links.kennisstand = stays.kennisstand
        and links.bron = stays.gemeente_bron
        and links.client_id = stays.client_id
    inner join stay_keys
        on stay_keys.bron = stays.gemeente_bron
        and stay_keys.verblijf_id = stays.verblijf_id

)

select * from joined
