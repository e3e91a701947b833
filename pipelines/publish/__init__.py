"""Publish the marts: `monitor.duckdb`, the one file analysts open.

The pipeline database (`<warehouse>/lvv.duckdb`) is the restricted zone: raw rows, staging,
linkage, all with identifiers. Analysts get a separate DuckDB file, `<warehouse>/monitor.duckdb`,
that holds schema `marts` only (every table and view of the pipeline database's `marts`, as
tables, and its macros such as `marts.monitor_op(peildatum, as_reported)`), plus two tables that
say what it is:

- `marts.publicatie`: one row: is_demo, published_at (UTC), code_version, the newest peildatum,
  the number of deliveries used and the tables published;
- `marts.publicatie_leveringen`: the deliveries the marts were built from (file name, bron,
  bestand, peildatum, sha256, rows loaded, whether it is part of the newest state). No identifiers.

How a publish is made safe:

1. It refuses to run without a pseudonym key outside demo mode (`MissingPseudonymKey`).
2. The new file is built aside, as a hidden temporary file in the warehouse folder.
3. It is checked before anyone can see it: only schema `marts`, no forbidden column, no
   identifier of the restricted zone in any value or definition (the output scanner), the same
   rows as the source, and the macros give the same answers as in the pipeline database.
4. It is closed, fsynced and swapped in with `os.replace`, which is atomic: an analyst who has
   the old file open keeps reading the old file; a new connection sees the new one. The folder
   is fsynced so the swap survives a crash.
5. Anything that fails (or a kill halfway) leaves the previous `monitor.duckdb` untouched; the
   temporary file of an interrupted publish is removed by the next one. A lock file keeps two
   publishes from running at once.

What analysts' tools get from it:

- every table and column carries its description as a DuckDB comment (`duckdb_tables()`,
  `duckdb_columns()`, DBeaver's remarks): dbt writes the YAML descriptions of the marts as
  comments (`persist_docs`), and the copy keeps them;
- the file is written in DuckDB's storage format `v1.0.0` (`PUBLISHED_STORAGE_VERSION`), so
  every DuckDB from 1.0 on (the CLI, R's and DBeaver's drivers, Python) opens it, not only 2.x;
- `<warehouse>/parquet/<table>.parquet`: one Parquet file per table of the checked file, with
  the table's and the columns' descriptions as Parquet key-value metadata, for tools without
  DuckDB. It is written from the checked file and swapped in after it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from pipelines.config import PUBLISHED_DB_NAME, published_db_path
from pipelines.fsperm import publish_mode, published_dir
from pipelines.pseudonym import DEMO_KEY, is_demo_mode, pseudonym_key
from pipelines.publish.scanner import Finding, is_forbidden_column, load_identifiers, scan_with_identifiers

PUBLISHED_SCHEMA = "marts"
TEMP_PREFIX = f".{PUBLISHED_DB_NAME}.tmp-"
LOCK_NAME = f".{PUBLISHED_DB_NAME}.lock"
PUBLICATION_TABLES = ("publicatie", "publicatie_leveringen")
# The oldest storage format DuckDB 2.0 writes: DuckDB 1.0 … 1.5 (storage numbers 64-68) refuse
# 2.0's own format (69), and analysts' CLIs, R packages and DBeaver drivers are 1.x.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
PARQUET_DIR_NAME = "parquet"
PARQUET_TEMP_PREFIX = ".parquet.tmp-"

Progress = Callable[[str], None]


class PublishError(RuntimeError):
    """The publish was refused or failed; the previous published file is still in place."""


@dataclass(frozen=True)
class PublishedMacro:
    name: str
    sql: str  # the CREATE MACRO statement as it is run in the published file


def code_version() -> str:
    """`git describe` of the checkout when there is one, else the installed package version."""
    from pipelines.config import PROJECT_ROOT

    if (PROJECT_ROOT / ".git").exists():
        try:
            described = subprocess.run(
                ["git", "-C", str(PROJECT_ROOT), "describe", "--tags", "--always", "--dirty"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()
            if described:
                return f"git {described}"
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from importlib.metadata import version

        return f"lvv-monitor {version('lvv-monitor')}"
    except Exception:  # noqa: BLE001 - not installed: still say something true
        return "lvv-monitor (onbekende versie)"


def publish_warehouse(pipeline_db: Path, warehouse_dir: Path, *, progress: Progress | None = None,
                      demo: bool | None = None) -> Path:
    """Build `monitor.duckdb` from the marts of `pipeline_db`, check it, and swap it in atomically.
    `demo`: the run's demo mode (None: `LVV_DEMO` says; pipelines/pseudonym.py).

    Returns the path of the published file. Raises `MissingPseudonymKey` without a key outside
    demo mode and `PublishError` when the marts are missing or a check fails; in every failure
    the previously published file stays as it was.
    """
    say = progress or (lambda message: None)
    key = pseudonym_key(demo)  # MissingPseudonymKey outside demo mode without LVV_PSEUDONYM_KEY
    is_demo = is_demo_mode(demo) or key == DEMO_KEY.encode("utf-8")
    pipeline_db = Path(pipeline_db).resolve()
    warehouse_dir = Path(warehouse_dir).resolve()
    if not pipeline_db.exists():
        raise PublishError(f"geen pijplijndatabase op {pipeline_db}; draai eerst `lvv-monitor run`")
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    target = published_db_path(warehouse_dir)

    with _publish_lock(warehouse_dir):
        _remove_stale_temp_files(warehouse_dir)
        temp = warehouse_dir / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            say("bouwen: marts kopiëren naar een tijdelijk bestand")
            macros, row_counts = _build(temp, pipeline_db, is_demo, say)
            say("controleren: schema's, kolommen, identificerende gegevens, macro's")
            _verify(temp, pipeline_db, macros, row_counts)
            say("wegschrijven: fsync en atomair vervangen")
            fsync_path(temp)
            if Path(str(temp) + ".wal").exists():
                raise PublishError("het tijdelijke bestand heeft nog een WAL na sluiten; niet gepubliceerd")
            publish_mode(temp)  # 0640: the analysts' group reads it (pipelines/fsperm.py)
            parquet_temp = _write_parquet(temp, warehouse_dir)
            os.replace(temp, target)
            fsync_path(warehouse_dir)
            _swap_parquet(parquet_temp, warehouse_dir)
        except BaseException:
            _remove(temp)
            raise
    say(f"gepubliceerd: {target}")
    return target


# ---------------------------------------------------------------------------------------------
# Building


def _build(temp: Path, pipeline_db: Path, is_demo: bool, say: Progress) -> tuple[list[PublishedMacro], dict[str, int]]:
    con = duckdb.connect()
    try:
        # An in-memory session that attaches the new file in the storage format 1.x clients read.
        con.execute(
            f"ATTACH {_sql_literal(str(temp))} AS published (STORAGE_VERSION {_sql_literal(PUBLISHED_STORAGE_VERSION)})"
        )
        con.execute("USE published")
        con.execute(f"ATTACH {_sql_literal(str(pipeline_db))} AS src (READ_ONLY)")
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

        con.execute(f"CREATE SCHEMA {PUBLISHED_SCHEMA}")
        row_counts: dict[str, int] = {}
        for name, comment in relations:
            say(f"  marts.{name}")
            con.execute(f"CREATE TABLE marts.{_ident(name)} AS SELECT * FROM src.marts.{_ident(name)}")
            row_counts[name] = con.execute(f"SELECT count(*) FROM marts.{_ident(name)}").fetchall()[0][0]
            if comment:
                con.execute(f"COMMENT ON TABLE marts.{_ident(name)} IS {_sql_literal(comment)}")
        for table, column, comment in columns:
            if comment:
                con.execute(f"COMMENT ON COLUMN marts.{_ident(table)}.{_ident(column)} IS {_sql_literal(comment)}")

        macros = _macros(con, source_catalog=pipeline_db.stem)
        for macro in macros:
            say(f"  macro marts.{macro.name}")
            con.execute(macro.sql)

        _write_publication_tables(con, is_demo, [name for name, _ in relations], [m.name for m in macros])
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
                _ident(p) + (f" {t}" if t else "") for p, t in zip(parameters, types + [None] * len(parameters))
            )
            parts.append(f"({params}) AS TABLE ({body})" if kind == "table_macro" else f"({params}) AS ({body})")
        macros.append(PublishedMacro(name, f"CREATE MACRO marts.{_ident(name)} " + ", ".join(parts)))
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
        "COMMENT ON TABLE marts.publicatie_leveringen IS 'De leveringen waaruit de marts zijn gebouwd (bestandsnaam, sha256, peildatum).'"
    )
    for table, columns in PUBLICATION_COLUMN_COMMENTS.items():
        for column, comment in columns.items():
            con.execute(f"COMMENT ON COLUMN marts.{table}.{column} IS {_sql_literal(comment)}")


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


# ---------------------------------------------------------------------------------------------
# Checking


def _verify(temp: Path, pipeline_db: Path, macros: list[PublishedMacro], row_counts: dict[str, int]) -> None:
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
            got = con.execute(f"SELECT count(*) FROM marts.{_ident(name)}").fetchall()[0][0]
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

    findings: list[Finding] = scan_with_identifiers([temp], load_identifiers(pipeline_db))
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


# ---------------------------------------------------------------------------------------------
# Parquet beside it


def _write_parquet(checked: Path, warehouse_dir: Path) -> Path:
    """One Parquet file per table of the checked file, in a hidden folder beside it.

    Read from the file that passed the checks, so the Parquet files hold exactly what was
    checked; each carries the table's comment and a JSON of the column comments as key-value
    metadata (`beschrijving`, `kolommen`)."""
    folder = warehouse_dir / f"{PARQUET_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    published_dir(folder.mkdir() or folder)  # 0750 even under the services' UMask=0077
    con = duckdb.connect(str(checked), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()
        for name, comment in tables:
            columns = dict(con.execute(
                "SELECT column_name, coalesce(comment, '') FROM duckdb_columns() "
                "WHERE schema_name = 'marts' AND table_name = ? ORDER BY column_index", [name],
            ).fetchall())
            metadata = (f"beschrijving: {_sql_literal(comment)}, "
                        f"kolommen: {_sql_literal(json.dumps(columns, ensure_ascii=False))}")
            out = folder / f"{name}.parquet"
            con.execute(
                f"COPY marts.{_ident(name)} TO {_sql_literal(str(out))} "
                f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{metadata}}})"
            )
            publish_mode(out)  # 0640, like monitor.duckdb
            fsync_path(out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        con.close()
    return folder


def _swap_parquet(new_folder: Path, warehouse_dir: Path) -> None:
    """Put the new Parquet folder in place of the old one (two renames; the old one goes)."""
    target = warehouse_dir / PARQUET_DIR_NAME
    old = warehouse_dir / f"{PARQUET_TEMP_PREFIX}old-{secrets.token_hex(4)}"
    if target.exists():
        os.replace(target, old)
    os.replace(new_folder, target)
    fsync_path(warehouse_dir)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Files


@contextmanager
def _publish_lock(warehouse_dir: Path) -> Iterator[None]:
    lock_path = warehouse_dir / LOCK_NAME
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"er loopt al een publicatie in {warehouse_dir} (slot {lock_path.name}); probeer het later")
        yield
    finally:
        handle.close()


def _remove_stale_temp_files(warehouse_dir: Path) -> None:
    """Temporary files of an interrupted publish (we hold the lock, so no publish is running)."""
    for leftover in warehouse_dir.glob(TEMP_PREFIX + "*"):
        _remove(leftover)
    for leftover in warehouse_dir.glob(PARQUET_TEMP_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _remove(path: Path) -> None:
    for candidate in (path, Path(str(path) + ".wal")):
        try:
            candidate.unlink()
        except FileNotFoundError:
            pass


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entry to disk (a folder: so a rename in it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = [
    "PARQUET_DIR_NAME", "PUBLISHED_DB_NAME", "PUBLISHED_STORAGE_VERSION", "PublishError", "PublishedMacro", "code_version", "publish_warehouse",
    "published_db_path",
]
