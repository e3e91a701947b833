"""Output scanner: does anything that leaves the restricted zone carry an identifier?

`scan_for_identifiers(paths, pipeline_db)` collects every identifier of the restricted zone
(every v_nummer, client_id, verblijf_id and birth date in the raw tables of the pipeline
database, the quarantined rows included) and looks for them in the given files and folders:
DuckDB files (every table and view of every schema, column names, macro definitions), Parquet
files (both recognised by their content, not their name), and any other file as text (CSV, JSON, Markdown, ...). It also reports columns whose
name says they hold an identifier, a birth date or free text.

A value is found when a whole cell equals an identifier, or when a cell contains it as a
separate token (split on white space and punctuation such as `, ; | " ' ( ) [ ] { } =`), so an
identifier inside a list, a JSON document or a concatenated label is found too. Birth dates are
looked for in ISO form (`1990-07-09`), also inside date and timestamp columns.

A value is only looked for where it can be (`can_hold`): identifiers shorter than
`MIN_IDENTIFIER_LENGTH` characters, and digit-only ones shorter than `MIN_DIGITS_IDENTIFIER`, are
not looked for at all (a quarantined client_id `7` is indistinguishable from a count); numeric
columns are searched only for long digit-only identifiers (a v_nummer stored as a number); date
and timestamp columns only for birth dates. Quarantined rows count only from the newest delivery
of their file: a sender's correction replaces the faulty rows, so it clears a block on the next run.

The scanner never prints an identifier it found in full: `Finding.sample` is masked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb

# Column names that must never appear outside the restricted zone (compared case-insensitively,
# after removing spaces, dashes and underscores).
FORBIDDEN_COLUMNS: frozenset[str] = frozenset(
    {
        "vnummer", "vreemdelingennummer", "clientid", "verblijfid", "geboortedatum", "birthdate",
        "dateofbirth", "geboortejaar", "bsn", "procedureid", "zaakid", "naam", "achternaam",
        "voornaam", "adres", "rawvalues", "opmerking", "opmerkingen", "toelichting", "vrijetekst",
        "notitie", "notities",
    }
)
# Anything whose name contains one of these (after the same normalisation) is forbidden too.
FORBIDDEN_FRAGMENTS: tuple[str, ...] = ("vnummer", "clientid", "verblijfid", "geboorte", "birth")

# The raw tables and columns whose values are identifiers, by kind.
IDENTIFIER_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "v_nummer": (
        ("gemeente_verblijven", "v_nummer"), ("ind_procedures", "v_nummer"),
        ("ind_maatregelen", "v_nummer"), ("dtv_vertrekzaken", "v_nummer"),
    ),
    "client_id": (("gemeente_verblijven", "client_id"), ("gemeente_trajecten", "client_id")),
    "verblijf_id": (("gemeente_verblijven", "verblijf_id"), ("gemeente_trajecten", "verblijf_id")),
    "geboortedatum": (
        ("gemeente_verblijven", "geboortedatum"), ("ind_procedures", "geboortedatum"),
        ("dtv_vertrekzaken", "geboortedatum"),
    ),
}
QUARANTINE_KEYS = {"v_nummer": "v_nummer", "client_id": "client_id", "verblijf_id": "verblijf_id",
                   "geboortedatum": "geboortedatum"}

# Shorter values are counts, codes and years as often as identifiers (docs/privacy.md).
MIN_IDENTIFIER_LENGTH = 4
MIN_DIGITS_IDENTIFIER = 6

TOKEN_SPLIT = r"[\s,;|\"'()\[\]{}=<>]+"
_TOKEN_SPLIT_RE = re.compile(TOKEN_SPLIT)
_TOKEN_SPLIT_SQL = "'" + TOKEN_SPLIT.replace("'", "''") + "'"
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Finding:
    """One thing found: an identifier value or a forbidden column name."""

    path: str
    location: str  # e.g. "marts.fct_instroom.bron", "column 3 of the CSV", "file name"
    kind: str  # "identifier" | "forbidden_column"
    identifier_type: str  # v_nummer | client_id | verblijf_id | geboortedatum | the column name
    sample: str  # masked: never the whole identifier

    def __str__(self) -> str:
        what = "identifier" if self.kind == "identifier" else "forbidden column"
        return f"{self.path}: {what} ({self.identifier_type}) in {self.location}: {self.sample}"


def mask(value: str) -> str:
    value = str(value)
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def normalise_column_name(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def is_forbidden_column(name: str) -> bool:
    norm = normalise_column_name(name)
    return norm in FORBIDDEN_COLUMNS or any(fragment in norm for fragment in FORBIDDEN_FRAGMENTS)


def tokens_of_text(text: str) -> set[str]:
    """The tokens an identifier may appear as: whole values split on white space and punctuation,
    plus every ISO date inside a token (e.g. in `1990-07-09T00:00:00`)."""
    tokens = {t for t in _TOKEN_SPLIT_RE.split(text) if t}
    tokens.update(_ISO_DATE_RE.findall(text))
    return tokens


def is_searchable(value: str) -> bool:
    """Long enough to be told apart from a count, a code or a year."""
    if len(value) < MIN_IDENTIFIER_LENGTH:
        return False
    return not (value.isdigit() and len(value) < MIN_DIGITS_IDENTIFIER)


def can_hold(column_type: str, kind: str, value: str) -> bool:
    """Whether a column of this DuckDB type can hold this identifier (text: any; numbers: a long
    digit-only identifier; dates: a birth date)."""
    upper = column_type.upper()
    if upper.startswith(("DATE", "TIMESTAMP")):
        return kind == "geboortedatum"
    if upper.split("(")[0] in NUMERIC_TYPES:
        return value.isdigit()
    return True


NUMERIC_TYPES = frozenset({
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
    "UHUGEINT", "DECIMAL", "DOUBLE", "FLOAT", "REAL", "NUMERIC",
})


def searchable(identifiers: dict[str, str]) -> dict[str, str]:
    """The identifiers worth looking for (see `is_searchable`)."""
    return {value: kind for value, kind in identifiers.items() if is_searchable(value)}


# ---------------------------------------------------------------------------------------------
# The identifiers of the restricted zone


def load_identifiers(pipeline_db: Path) -> dict[str, str]:
    """Every identifier in the raw zone of the pipeline database: value → kind."""
    pipeline_db = Path(pipeline_db)
    if not pipeline_db.exists():
        raise FileNotFoundError(f"pijplijndatabase {pipeline_db} bestaat niet")
    con = duckdb.connect(str(pipeline_db), read_only=True)
    try:
        existing = {
            (t, c)
            for t, c in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'raw'"
            ).fetchall()
        }
        found: dict[str, str] = {}
        for kind, sources in IDENTIFIER_SOURCES.items():
            for table, column in sources:
                if (table, column) not in existing:
                    continue
                rows = con.execute(
                    f'SELECT DISTINCT trim(CAST("{column}" AS VARCHAR)) FROM raw."{table}" '
                    f'WHERE "{column}" IS NOT NULL'
                ).fetchall()
                for (value,) in rows:
                    if value:
                        found.setdefault(value, kind)
        if ("quarantine", "raw_values") in existing:
            rows = con.execute(_CURRENT_QUARANTINE_SQL if ("deliveries", "relative_path") in existing
                               else "SELECT raw_values FROM raw.quarantine WHERE raw_values IS NOT NULL").fetchall()
            for (raw_values,) in rows:
                try:
                    values = json.loads(raw_values)
                except (TypeError, ValueError):
                    continue
                if not isinstance(values, dict):
                    continue
                for header, value in values.items():
                    kind = QUARANTINE_KEYS.get(str(header).strip().lower())
                    if kind and value is not None and str(value).strip():
                        found.setdefault(str(value).strip(), kind)
    finally:
        con.close()
    return found


# Quarantined rows of the newest delivery of each file only: a correction under the same name
# (FEEDS.md) replaces the rows it corrects.
_CURRENT_QUARANTINE_SQL = """
    SELECT q.raw_values FROM raw.quarantine q
    JOIN raw.deliveries d USING (delivery_id)
    WHERE q.raw_values IS NOT NULL
      AND d.delivery_id = (SELECT max(later.delivery_id) FROM raw.deliveries later
                           WHERE later.relative_path = d.relative_path)
"""


# ---------------------------------------------------------------------------------------------
# Scanning


def scan_for_identifiers(
    paths: Path | str | Iterable[Path | str],
    pipeline_db: Path | str,
    *,
    extra_identifiers: dict[str, str] | None = None,
) -> list[Finding]:
    """Scan files and folders (recursively) for identifiers of the restricted zone.

    `extra_identifiers` (value → kind) adds values that must not appear either, e.g. the
    published pseudonymized keys when scanning an extract that must not be linkable to them.
    Returns the findings; an empty list means nothing was found.
    """
    identifiers = load_identifiers(Path(pipeline_db))
    if extra_identifiers:
        identifiers.update(extra_identifiers)
    return scan_with_identifiers(paths, identifiers)


def scan_with_identifiers(paths: Path | str | Iterable[Path | str], identifiers: dict[str, str]) -> list[Finding]:
    """As `scan_for_identifiers`, with the identifiers (value → kind) already loaded."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    identifiers = searchable(identifiers)
    findings: list[Finding] = []
    for path in _files(paths):
        findings.extend(_scan_name(path, identifiers))
        kind = file_kind(path)
        if kind == "duckdb":
            findings.extend(_scan_duckdb(path, identifiers))
        elif kind == "parquet":
            findings.extend(_scan_parquet(path, identifiers))
        else:
            findings.extend(_scan_text(path, identifiers))
    return findings


def file_kind(path: Path) -> str:
    """`duckdb`, `parquet` or `text`, from the file's magic bytes (not its name: a DuckDB file
    being built aside under a temporary name is still scanned as a database)."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if len(head) >= 12 and head[8:12] == b"DUCK":
        return "duckdb"
    if head[:4] == b"PAR1":
        return "parquet"
    return "text"


def _files(paths: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"te scannen pad {p} bestaat niet")
    return files


def _scan_name(path: Path, identifiers: dict[str, str]) -> list[Finding]:
    return [
        Finding(str(path), "file name", "identifier", identifiers[token], mask(token))
        for token in sorted(tokens_of_text(re.sub(r"[._/]", " ", path.name)) & identifiers.keys())
    ]


def _scan_text(path: Path, identifiers: dict[str, str]) -> list[Finding]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    findings: list[Finding] = []
    if path.suffix.lower() == ".csv":
        header = text.splitlines()[0] if text else ""
        for name in re.split(r"[,;\t]", header):
            name = name.strip().strip('"').lstrip("\ufeff")
            if name and is_forbidden_column(name):
                findings.append(Finding(str(path), "CSV header", "forbidden_column", name, name))
    for number, line in enumerate(text.splitlines(), start=1):
        for token in sorted(tokens_of_text(line) & identifiers.keys()):
            findings.append(Finding(str(path), f"line {number}", "identifier", identifiers[token], mask(token)))
    return findings


def _register_identifiers(con: duckdb.DuckDBPyConnection, identifiers: dict[str, str]) -> None:
    import pyarrow as pa

    table = pa.table({"value": list(identifiers.keys()), "kind": list(identifiers.values())})
    con.register("identifiers_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE identifiers AS SELECT * FROM identifiers_arrow")
    con.unregister("identifiers_arrow")


def _relation_findings(
    con: duckdb.DuckDBPyConnection, path: Path, label: str, source_sql: str, columns: list[tuple[str, str]]
) -> list[Finding]:
    """Findings in one table-like source (`source_sql` is a FROM item) with (column, type) pairs."""
    findings: list[Finding] = []
    for column, column_type in columns:
        if is_forbidden_column(column):
            findings.append(Finding(str(path), f"{label}.{column}", "forbidden_column", column, column))
    if not columns:
        return findings
    parts = []
    for column, column_type in columns:
        quoted = '"' + column.replace('"', '""') + '"'
        upper = column_type.upper()
        if upper.startswith("DATE") or upper.startswith("TIMESTAMP"):
            text = f"strftime(CAST({quoted} AS DATE), '%Y-%m-%d')"
        elif upper.startswith("BLOB"):
            continue
        else:
            text = f"CAST({quoted} AS VARCHAR)"
        literal = "'" + column.replace("'", "''") + "'"
        parts.append(f"SELECT {literal} AS col, {text} AS v FROM {source_sql} WHERE {quoted} IS NOT NULL")
    if not parts:
        return findings
    query = f"""
        WITH cells AS ({' UNION ALL '.join(parts)}),
        distinct_cells AS (SELECT DISTINCT col, v FROM cells),
        tokens AS (
            SELECT col, v AS token FROM distinct_cells
            UNION
            SELECT col, unnest(string_split_regex(v, {_TOKEN_SPLIT_SQL})) AS token FROM distinct_cells
            UNION
            SELECT col, unnest(regexp_extract_all(v, '\\d{{4}}-\\d{{2}}-\\d{{2}}')) AS token FROM distinct_cells
        )
        SELECT DISTINCT t.col, i.kind, i.value
        FROM tokens t JOIN identifiers i ON t.token = i.value
        ORDER BY t.col, i.kind, i.value
    """
    types = dict(columns)
    for column, kind, value in con.execute(query).fetchall():
        if not can_hold(types[column], kind, value):
            continue
        findings.append(Finding(str(path), f"{label}.{column}", "identifier", kind, mask(value)))
    return findings


def _scan_parquet(path: Path, identifiers: dict[str, str]) -> list[Finding]:
    con = duckdb.connect()
    try:
        _register_identifiers(con, identifiers)
        source = "read_parquet('" + str(path).replace("'", "''") + "')"
        columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        return _relation_findings(con, path, path.name, source, columns)
    finally:
        con.close()


def _scan_duckdb(path: Path, identifiers: dict[str, str]) -> list[Finding]:
    con = duckdb.connect()
    findings: list[Finding] = []
    try:
        _register_identifiers(con, identifiers)
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(f"ATTACH {literal} AS scanned (READ_ONLY)")
        relations = con.execute(
            """
            SELECT schema_name, table_name, 'table' FROM duckdb_tables() WHERE database_name = 'scanned'
            UNION ALL
            SELECT schema_name, view_name, 'view' FROM duckdb_views()
            WHERE database_name = 'scanned' AND NOT internal
            ORDER BY 1, 2
            """
        ).fetchall()
        columns_of: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, column_type in con.execute(
            """
            SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
            WHERE database_name = 'scanned' ORDER BY schema_name, table_name, column_index
            """
        ).fetchall():
            columns_of.setdefault((schema, table), []).append((column, column_type))
        for schema, table, _kind in relations:
            source = f'scanned."{schema}"."{table}"'
            findings.extend(
                _relation_findings(con, path, f"{schema}.{table}", source, columns_of.get((schema, table), []))
            )
        # Macro and view definitions are text an identifier could hide in, too.
        texts = con.execute(
            """
            SELECT schema_name || '.' || function_name, coalesce(macro_definition, '')
            FROM duckdb_functions() WHERE database_name = 'scanned' AND NOT internal
            UNION ALL
            SELECT schema_name || '.' || view_name, coalesce(sql, '') FROM duckdb_views()
            WHERE database_name = 'scanned' AND NOT internal
            """
        ).fetchall()
        for name, text in texts:
            for token in sorted(tokens_of_text(text) & identifiers.keys()):
                findings.append(Finding(str(path), f"definition of {name}", "identifier", identifiers[token], mask(token)))
    finally:
        con.close()
    return findings
