"""Building the new published file aside (step 2 of pipelines/publish/__init__.py): the marts as
tables with their descriptions, their macros, and the two tables that say what the file is."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from pipelines.publish.model import (
    PUBLICATION_TABLES,
    PUBLISHED_SCHEMA,
    PUBLISHED_STORAGE_VERSION,
    Progress,
    PublishedMacro,
    PublishError,
    code_version,
)
from pipelines.publish.quoting import ident, sql_literal
from pipelines.publish.scanner import is_forbidden_column


def build(temp: Path, pipeline_db: Path, is_demo: bool, say: Progress) -> tuple[list[PublishedMacro], dict[str, int]]:
    con = duckdb.connect()
    try:
        # An in-memory session that attaches the new file in the storage format 1.x clients read.
        con.execute(
            f"ATTACH {sql_literal(str(temp))} AS published (STORAGE_VERSION {sql_literal(PUBLISHED_STORAGE_VERSION)})"
        )
        con.execute("USE published")
        con.execute(f"ATTACH {sql_literal(str(pipeline_db))} AS src (READ_ONLY)")
        relations = con.execute(
            """
            SELECT table_name, comment FROM duckdb_tables()
            WHERE database_name = 'src' AND schema_name = 'marts'
            UNION ALL
            SELECT view_name, comment FROM duckdb_views()
            WHERE database_name = 'src' AND schema_name = 'marts' AND NOT internal
            ORDER BY 1
            """
        ).fetchall()
        if not relations:
            raise PublishError(
                f"de pijplijndatabase {pipeline_db} heeft geen schema 'marts' met tabellen; "
                "draai eerst de hele run (dbt build) voordat er gepubliceerd wordt"
            )
        clashes = [name for name, _ in relations if name in PUBLICATION_TABLES]
        if clashes:
            raise PublishError(f"marts.{clashes[0]} bestaat al in de pijplijndatabase; die naam is voor de publicatie zelf")
        columns = con.execute(
            """
            SELECT table_name, column_name, comment FROM duckdb_columns()
            WHERE database_name = 'src' AND schema_name = 'marts' ORDER BY table_name, column_index
            """
        ).fetchall()
        forbidden = [f"marts.{t}.{c}" for t, c, _ in columns if is_forbidden_column(c)]
        if forbidden:
            raise PublishError(
                "de marts bevatten kolommen die de afgeschermde zone niet mogen verlaten: "
                + ", ".join(forbidden) + ". Niet gepubliceerd; het vorige bestand blijft staan."
            )

        # One transaction for the whole file: one commit (one WAL fsync) instead of one per table
        # and per comment (~150 statements), then a single checkpoint.
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE SCHEMA {PUBLISHED_SCHEMA}")
        row_counts: dict[str, int] = {}
        for name, comment in relations:
            say(f"  marts.{name}")
            con.execute(f"CREATE TABLE marts.{ident(name)} AS SELECT * FROM src.marts.{ident(name)}")
            row_counts[name] = con.execute(f"SELECT count(*) FROM marts.{ident(name)}").fetchall()[0][0]
            if comment:
                con.execute(f"COMMENT ON TABLE marts.{ident(name)} IS {sql_literal(comment)}")
        for table, column, comment in columns:
            if comment:
                con.execute(f"COMMENT ON COLUMN marts.{ident(table)}.{ident(column)} IS {sql_literal(comment)}")

        macros = _macros(con, source_catalog=pipeline_db.stem)
        for macro in macros:
            say(f"  macro marts.{macro.name}")
            con.execute(macro.sql)

        _write_publication_tables(con, is_demo, [name for name, _ in relations], [m.name for m in macros])
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return macros, row_counts


def _macros(con: duckdb.DuckDBPyConnection, source_catalog: str) -> list[PublishedMacro]:
    """The macros of the source's schema `marts`, as CREATE MACRO statements for the published file.

    Read from `duckdb_functions()`: name, parameters with their types, and the body. Overloads
    are kept. A body that names the source catalog (`lvv.marts.x`) is rewritten to `marts.x`.
    """
    rows = con.execute(
        """
        SELECT function_name, function_type, parameters, parameter_types, macro_definition
        FROM duckdb_functions()
        WHERE database_name = 'src' AND schema_name = 'marts' AND NOT internal
          AND function_type IN ('macro', 'table_macro')
        ORDER BY function_name, function_oid
        """
    ).fetchall()
    catalog = re.escape(source_catalog)
    qualified = re.compile(rf'(?<![\w."])("{catalog}"|{catalog})\s*\.\s*(?=("marts"|marts)\s*\.)', re.IGNORECASE)
    by_name: dict[str, list[tuple[str, list[str], list[str | None], str]]] = {}
    for name, kind, parameters, types, definition in rows:
        body = qualified.sub("", definition or "")
        by_name.setdefault(name, []).append((kind, list(parameters or []), list(types or []), body))
    macros: list[PublishedMacro] = []
    for name, overloads in by_name.items():
        parts = []
        for kind, parameters, types, body in overloads:
            params = ", ".join(
                ident(p) + (f" {t}" if t else "") for p, t in zip(parameters, types + [None] * len(parameters))
            )
            parts.append(f"({params}) AS TABLE ({body})" if kind == "table_macro" else f"({params}) AS ({body})")
        macros.append(PublishedMacro(name, f"CREATE MACRO marts.{ident(name)} " + ", ".join(parts)))
    return macros


def _write_publication_tables(
    con: duckdb.DuckDBPyConnection, is_demo: bool, tables: list[str], macros: list[str]
) -> None:
    has_deliveries = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'raw' "
        "AND table_name = 'deliveries'"
    ).fetchall()[0][0]
    con.execute(
        """
        CREATE TABLE marts.publicatie_leveringen (
            delivery_id INTEGER, file_name VARCHAR, bron VARCHAR, bestand VARCHAR, peildatum DATE,
            sha256 VARCHAR, received_at TIMESTAMP, rows_loaded BIGINT, in_nieuwste_stand BOOLEAN
        )
        """
    )
    if has_deliveries:
        con.execute(
            """
            INSERT INTO marts.publicatie_leveringen
            SELECT delivery_id, file_name, bron, bestand, peildatum, sha256, received_at, rows_loaded,
                   delivery_id = max(delivery_id) FILTER (WHERE peildatum = newest)
                                 OVER (PARTITION BY bron, bestand) AS in_nieuwste_stand
            FROM (
                SELECT *, max(peildatum) OVER (PARTITION BY bron, bestand) AS newest
                FROM src.raw.deliveries WHERE status = 'loaded'
            )
            ORDER BY peildatum, bron, bestand, delivery_id
            """
        )
    published_at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    newest = con.execute("SELECT max(peildatum) FROM marts.publicatie_leveringen").fetchall()[0][0]
    deliveries = con.execute("SELECT count(*) FROM marts.publicatie_leveringen").fetchall()[0][0]
    con.execute(
        """
        CREATE TABLE marts.publicatie (
            is_demo BOOLEAN, published_at TIMESTAMP, code_version VARCHAR, nieuwste_peildatum DATE,
            aantal_leveringen BIGINT, tabellen VARCHAR[], macros VARCHAR[], beschrijving VARCHAR
        )
        """
    )
    note = (
        "DEMO: gebouwd uit synthetische demo-gegevens met de zichtbare demo-sleutel; niet voor gebruik."
        if is_demo else
        "Gepubliceerde marts van de landelijke monitor LVV; personen en verblijven met gepseudonimiseerde sleutels."
    )
    con.execute(
        "INSERT INTO marts.publicatie VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [is_demo, published_at, code_version(), newest, deliveries, sorted(tables), sorted(macros), note],
    )
    con.execute(
        "COMMENT ON TABLE marts.publicatie IS 'Wat dit bestand is: demo of niet, wanneer gepubliceerd, met welke code.'"
    )
    con.execute(
        "COMMENT ON TABLE marts.publicatie_leveringen IS "
        "'De leveringen waaruit de marts zijn gebouwd (bestandsnaam, sha256, peildatum).'"
    )
    for table, columns in PUBLICATION_COLUMN_COMMENTS.items():
        for column, comment in columns.items():
            con.execute(f"COMMENT ON COLUMN marts.{table}.{column} IS {sql_literal(comment)}")


# The two tables publish itself writes have no dbt YAML: their column descriptions live here.
PUBLICATION_COLUMN_COMMENTS: dict[str, dict[str, str]] = {
    "publicatie": {
        "is_demo": "Waar als het bestand uit synthetische demo-gegevens met de zichtbare demo-sleutel is gebouwd.",
        "published_at": "Moment van publiceren (UTC, op de seconde).",
        "code_version": "Versie van de code die publiceerde (git describe of de pakketversie).",
        "nieuwste_peildatum": "De nieuwste peildatum van de gebruikte leveringen.",
        "aantal_leveringen": "Aantal geladen leveringen waaruit de marts zijn gebouwd.",
        "tabellen": "Namen van de gepubliceerde tabellen van schema marts (lijst).",
        "macros": "Namen van de gepubliceerde macro's van schema marts (lijst), bijv. monitor_op.",
        "beschrijving": "Wat dit bestand is, in één zin.",
    },
    "publicatie_leveringen": {
        "delivery_id": "Volgnummer van de levering in de afgeschermde zone.",
        "file_name": "Bestandsnaam van de levering zoals die in de landing stond.",
        "bron": "De bron: een pilot (amsterdam … eindhoven), ind of dtv.",
        "bestand": "Het soort bestand (bijv. verblijven, trajecten, procedures, maatregelen, vertrekzaken).",
        "peildatum": "De peildatum van de levering.",
        "sha256": "SHA-256 van het geleverde bestand (64 hexadecimale tekens).",
        "received_at": "Moment waarop het bestand is ingelezen (UTC).",
        "rows_loaded": "Aantal geladen rijen (rijen in quarantaine niet meegeteld).",
        "in_nieuwste_stand": "Waar als deze levering meetelt in de nieuwste stand (de nieuwste van haar bron en bestand).",
    },
}
