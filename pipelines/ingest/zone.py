"""The raw zone's tables (schema `raw` of the pipeline database), created if missing.

See docs/architecture.md for what each table holds. Data tables keep every delivery (history);
the choice of the current delivery is made downstream in dbt.
"""

from __future__ import annotations

import duckdb

from pipelines.contract import FILE_SPECS, FileSpec
from pipelines.fsperm import restrict_database

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("delivery_id", "INTEGER NOT NULL"),
    ("source_file", "VARCHAR NOT NULL"),
    ("source_sha256", "VARCHAR NOT NULL"),
    ("row_number", "INTEGER NOT NULL"),
    ("bron", "VARCHAR NOT NULL"),
    ("bestand", "VARCHAR NOT NULL"),
    ("peildatum", "DATE NOT NULL"),
    ("received_at", "TIMESTAMP NOT NULL"),
    ("loaded_at", "TIMESTAMP NOT NULL"),
)

BOOKKEEPING_DDL = (
    """
    CREATE TABLE IF NOT EXISTS raw.deliveries (
        delivery_id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        relative_path VARCHAR NOT NULL,
        bron VARCHAR NOT NULL,
        bestand VARCHAR,
        peildatum DATE,
        file_format VARCHAR,
        encoding VARCHAR,
        delimiter VARCHAR,
        sha256 VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        received_at TIMESTAMP NOT NULL,
        loaded_at TIMESTAMP,
        rows_read INTEGER NOT NULL,
        rows_loaded INTEGER NOT NULL,
        rows_quarantined INTEGER NOT NULL,
        status VARCHAR NOT NULL,
        reason VARCHAR,
        extra_columns VARCHAR[],
        UNIQUE (relative_path, sha256)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS raw.quarantine (
        delivery_id INTEGER NOT NULL,
        file_name VARCHAR NOT NULL,
        bron VARCHAR NOT NULL,
        bestand VARCHAR NOT NULL,
        peildatum DATE NOT NULL,
        row_number INTEGER NOT NULL,
        raw_values JSON NOT NULL,
        reasons VARCHAR[] NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS raw.extra_values (
        delivery_id INTEGER NOT NULL,
        file_name VARCHAR NOT NULL,
        row_number INTEGER NOT NULL,
        column_name VARCHAR NOT NULL,
        value VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS raw.landing_scan (
        path VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        reason VARCHAR
    )
    """,
)


def data_table_ddl(spec: FileSpec) -> str:
    columns = [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
    columns += [f"{name} VARCHAR" for name in spec.column_names]
    return f"CREATE TABLE IF NOT EXISTS raw.{spec.raw_table} (\n    " + ",\n    ".join(columns) + "\n)"


def ensure_raw_zone(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw` and all its tables; harmless when they exist."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for ddl in BOOKKEEPING_DDL:
        con.execute(ddl)
    for spec in FILE_SPECS.values():
        con.execute(data_table_ddl(spec))
    restrict_database(con)  # lvv.duckdb 0600, its folder 0750 (pipelines/fsperm.py)
