with

source as (

    select * from {{ source('raw', 'deliveries') }}

),

renamed as (

    select
        -- ids
        delivery_id,

        -- file
        file_name,
        relative_path,
        bron,
        bestand,
        peildatum as delivery_peildatum,
        file_format,
        encoding,
        delimiter,
        sha256,
        size_bytes,

        -- timestamps
        received_at,
        loaded_at,

        -- outcome
        rows_read,
        rows_loaded,
        rows_quarantined,
        status,
        reason,
        extra_columns

    from source

)

select * from renamed
