with

source as (

    select * from {{ source('raw', 'gemeente_verblijven') }}

),

renamed as (

    select
        -- lineage
        delivery_id,
        source_file,
        source_sha256,
        row_number,
        bron as gemeente_bron,
        bestand,
        peildatum as delivery_peildatum,
        received_at,
        loaded_at,

        -- ids
        client_id,
        verblijf_id,
        v_nummer,

        -- person
        cast(geboortedatum as date) as geboortedatum,
        geslacht,
        nationaliteit,
        samenstelling,

        -- stay
        cast(instroomdatum as date) as instroomdatum,
        herkomst,
        cast(regiobinding as boolean) as regiobinding,
        cast(uitstroomdatum as date) as uitstroomdatum,
        uitstroomreden

    from source

)

select * from renamed
