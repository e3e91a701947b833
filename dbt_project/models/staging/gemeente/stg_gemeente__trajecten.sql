with

source as (

    select * from {{ source('raw', 'gemeente_trajecten') }}

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

        -- event
        cast(datum as date) as datum,
        gebeurtenis

    from source

)

select * from renamed
