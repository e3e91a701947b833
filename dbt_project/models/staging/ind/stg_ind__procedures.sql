with

source as (

    select * from {{ source('raw', 'ind_procedures') }}

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
        procedure_id,
        v_nummer,

        -- person
        cast(geboortedatum as date) as geboortedatum,
        geslacht,
        nationaliteit,

        -- procedure
        soort,
        cast(aanvraagdatum as date) as aanvraagdatum,
        beslissing,
        cast(beslisdatum as date) as beslisdatum

    from source

)

select * from renamed
