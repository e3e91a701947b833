with

source as (

    select * from {{ source('raw', 'dtv_vertrekzaken') }}

),

renamed as (

    select
        -- lineage
        delivery_id,
        source_file,
        source_sha256,
        row_number,
        bron,
        bestand,
        peildatum as delivery_peildatum,
        received_at,
        loaded_at,

        -- ids
        zaak_id,
        v_nummer,

        -- person
        cast(geboortedatum as date) as geboortedatum,
        geslacht,
        nationaliteit,

        -- departure case
        cast(startdatum as date) as startdatum,
        cast(vertrekdatum as date) as vertrekdatum,
        vertrekwijze,
        bestemming,
        land

    from source

)

select * from renamed
