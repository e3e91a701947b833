with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        -- lineage
        delivery_id,
        file_name,
        row_number,
        bron,
        bestand,
        peildatum as delivery_peildatum,

        -- row as delivered, and why it was not loaded
        cast(raw_values as json) as raw_values,
        reasons

    from source

)

select * from renamed
