with

source as (

    select * from {{ source('raw', 'ind_maatregelen') }}

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
        v_nummer,

        -- measure
        maatregel,
        cast(ingangsdatum as date) as ingangsdatum,
        cast(einddatum as date) as einddatum

    from source

)

select * from renamed
