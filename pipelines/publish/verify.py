"""The checks of a new published file before anyone can see it (step 3 of
pipelines/publish/__init__.py): only schema marts, the same rows as the source, the macros give the
same answers as in the pipeline database, and no identifier of the restricted zone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.publish.model import PUBLISHED_SCHEMA, PublishedMacro, PublishError
from pipelines.publish.quoting import ident
from pipelines.publish.scanner import Finding, scan_for_identifiers


def verify(temp: Path, pipeline_db: Path, macros: list[PublishedMacro], row_counts: dict[str, int]) -> None:
    problems: list[str] = []
    con = duckdb.connect(str(temp), read_only=True)
    try:
        schemas = {
            s for (s,) in con.execute(
                "SELECT DISTINCT schema_name FROM duckdb_tables() UNION SELECT DISTINCT schema_name FROM duckdb_views() "
                "WHERE NOT internal"
            ).fetchall()
        }
        if schemas - {PUBLISHED_SCHEMA}:
            problems.append(f"andere schema's dan marts: {sorted(schemas - {PUBLISHED_SCHEMA})}")
        for name, expected in row_counts.items():
            got = con.execute(f"SELECT count(*) FROM marts.{ident(name)}").fetchall()[0][0]
            if got != expected:
                problems.append(f"marts.{name}: {got} rijen, verwacht {expected}")
        published_answers = _macro_answers(con, macros)
    finally:
        con.close()

    source = duckdb.connect(str(pipeline_db), read_only=True)
    try:
        source_answers = _macro_answers(source, macros)
    finally:
        source.close()
    for call, answer in source_answers.items():
        if published_answers.get(call) != answer:
            problems.append(f"{call} geeft in het gepubliceerde bestand een ander antwoord dan in de pijplijndatabase")

    # The identifiers stay loaded for the asset check and the docs site, and the asset check
    # finds these bytes already scanned clean (scanner.py, `scan_for_identifiers`).
    findings: list[Finding] = scan_for_identifiers([temp], pipeline_db)
    if findings:
        shown = "; ".join(str(f).replace(str(temp), PUBLISHED_DB_NAME) for f in findings[:10])
        more = f" (en nog {len(findings) - 10})" if len(findings) > 10 else ""
        problems.append(f"identificerende gegevens gevonden: {shown}{more}")
    if problems:
        raise PublishError(
            f"publicatie afgekeurd, het vorige {PUBLISHED_DB_NAME} blijft staan:\n  - " + "\n  - ".join(problems)
        )


def _macro_answers(con: duckdb.DuckDBPyConnection, macros: list[PublishedMacro]) -> dict[str, list]:
    """The answers of every table macro `(peildatum, as_reported)` at the newest monitor peildatum."""
    answers: dict[str, list] = {}
    for macro in macros:
        if " AS TABLE " not in macro.sql:
            continue
        params = con.execute(
            "SELECT parameters FROM duckdb_functions() WHERE schema_name = 'marts' AND function_name = ? "
            "AND function_type = 'table_macro' AND database_name = current_database()",
            [macro.name],
        ).fetchall()
        if not params or len(params[0][0]) != 2:
            continue
        for when in _probe_dates(con):
            for as_reported in (False, True):
                call = f"marts.{macro.name}(DATE '{when.isoformat()}', {str(as_reported).lower()})"
                try:
                    rows = con.execute(f"SELECT * FROM {call}").fetchall()
                except duckdb.Error as exc:
                    answers[call] = [f"fout: {type(exc).__name__}: {exc}"]
                    continue
                answers[call] = sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))
    return answers


def _probe_dates(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Dates to compare the macros at: the newest peildatum of fct_monitor, else of the deliveries."""
    for query in (
        "SELECT max(peildatum) FROM marts.fct_monitor",
        "SELECT max(peildatum) FROM raw.deliveries WHERE status = 'loaded'",
    ):
        try:
            value = con.execute(query).fetchall()[0][0]
        except duckdb.Error:
            continue
        if isinstance(value, date):
            return [value]
    return [date(2020, 11, 1)]
