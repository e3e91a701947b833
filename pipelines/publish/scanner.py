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

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import duckdb

from pipelines.publish.files import file_sha256

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
        existing = _raw_columns(con)
        found: dict[str, str] = {}
        for kind, sources in IDENTIFIER_SOURCES.items():
            for table, column in sources:
                if (table, column) not in existing:
                    continue
                rows = con.execute(_distinct_values_sql(table, column)).fetchall()
                for (value,) in rows:
                    if value:
                        found.setdefault(value, kind)
        for value, kind in _quarantine_identifiers(con, existing):
            found.setdefault(value, kind)
    finally:
        con.close()
    return found


def _distinct_values_sql(table: str, column: str) -> str:
    """The distinct trimmed values of a raw column (`value`). DISTINCT before `trim`: the same
    values, but trim and cast run once per distinct value instead of once per row (~40 % less
    at scale 100, where 4 M rows hold 0.4 M v_nummers)."""
    return (
        f'SELECT DISTINCT trim(CAST(raw_value AS VARCHAR)) AS value FROM '
        f'(SELECT DISTINCT "{column}" AS raw_value FROM raw."{table}" WHERE "{column}" IS NOT NULL)'
    )


def _raw_columns(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {
        (t, c)
        for t, c in con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'raw'").fetchall()
    }


def _quarantine_identifiers(con: duckdb.DuckDBPyConnection, existing: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """(value, kind) of the identifiers in the quarantined rows (of the newest delivery of each
    file), in row order; a value already known from the raw tables keeps its kind."""
    if ("quarantine", "raw_values") not in existing:
        return []
    rows = con.execute(_CURRENT_QUARANTINE_SQL if ("deliveries", "relative_path") in existing
                       else "SELECT raw_values FROM raw.quarantine WHERE raw_values IS NOT NULL").fetchall()
    found: list[tuple[str, str]] = []
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
                found.append((str(value).strip(), kind))
    return found


def _load_searchable(pipeline_db: Path) -> Identifiers:
    """`searchable(load_identifiers(pipeline_db))` as an Arrow table (`Identifiers`), computed in DuckDB: one statement for the raw tables (the first kind in IDENTIFIER_SOURCES
    order wins, as `setdefault` in that order does), `is_searchable` in SQL for ASCII values
    (Python's `len` and `isdigit` are the byte length and `[0-9]+` there) and in Python for the
    rest. At scale 100 (~730 k values) this is ~1 s less than the row-by-row loop;
    tests/test_privacy_scanner.py checks that both give the same."""
    import pyarrow as pa
    import pyarrow.compute as pc

    con = duckdb.connect(str(pipeline_db), read_only=True)
    try:
        existing = _raw_columns(con)
        kinds = list(IDENTIFIER_SOURCES)
        parts = [
            f"SELECT value, {rank} AS rank FROM ({_distinct_values_sql(table, column)})"
            for rank, kind in enumerate(kinds)
            for table, column in IDENTIFIER_SOURCES[kind]
            if (table, column) in existing
        ]
        table = pa.table({"value": pa.array([], pa.string()), "kind": pa.array([], pa.string())})
        if parts:
            kind_list = "[" + ", ".join("'" + kind + "'" for kind in kinds) + "]"
            table = con.sql(
                f"""
                SELECT value, {kind_list}[rank + 1] AS kind, strlen(value) = length(value) AS ascii
                FROM (SELECT value, min(rank) AS rank FROM ({' UNION ALL '.join(parts)}) GROUP BY value)
                WHERE value <> '' AND (
                    strlen(value) <> length(value)
                    OR (strlen(value) >= {MIN_IDENTIFIER_LENGTH}
                        AND NOT (strlen(value) < {MIN_DIGITS_IDENTIFIER} AND regexp_full_match(value, '[0-9]+')))
                )
                """
            ).to_arrow_table()
            ascii_ = table.column("ascii")
            if not pc.all(ascii_).as_py():
                other = table.filter(pc.invert(ascii_)).column("value").to_pylist()
                keep = pa.array([v for v in other if is_searchable(v)], pa.string())
                table = table.filter(pc.or_(ascii_, pc.is_in(table.column("value"), value_set=keep)))
            table = table.select(["value", "kind"])
        known = Identifiers(table)
        added: dict[str, str] = {}
        for value, kind in _quarantine_identifiers(con, existing):
            if value not in added and is_searchable(value):
                added[value] = kind
        for value in known.lookup(set(added)):  # known from the raw tables: their kind stays
            del added[value]
    finally:
        con.close()
    if added:
        table = pa.concat_tables([table, pa.table({"value": list(added), "kind": list(added.values())})])
        known = Identifiers(table)
    return known


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

    The identifiers of one state of the pipeline database are loaded once per process
    (`zone_identifiers`), and a file whose bytes were already scanned clean against that state
    is not scanned again (its name still is): the nightly job scans the published file in the
    publish (verify.py) and again in the asset check, and the restricted zone three times
    (publish, check, docs site). Same bytes and same identifiers give the same findings, so the
    answer is the one a new scan would give.
    """
    zone = zone_identifiers(Path(pipeline_db))
    if extra_identifiers:
        return _scan(paths, zone.identifiers.updated(searchable(extra_identifiers)), None)
    return _scan(paths, zone.identifiers, zone.state)


def scan_with_identifiers(paths: Path | str | Iterable[Path | str], identifiers: dict[str, str]) -> list[Finding]:
    """As `scan_for_identifiers`, with the identifiers (value → kind) already loaded."""
    return _scan(paths, Identifiers.of(searchable(identifiers)), None)


class Identifiers:
    """Searchable identifiers (value → kind) as a pyarrow table: registered as it is in every
    scanning session, and ~30 MB at scale 100 where a Python dict of the same ~730 k values takes
    ~150 MB (it stays loaded for the asset check, `zone_identifiers`)."""

    def __init__(self, table: Any) -> None:
        self.table = table.combine_chunks()
        self.values = self.table.column("value").chunk(0) if self.table.num_rows else None

    @classmethod
    def of(cls, identifiers: dict[str, str]) -> Identifiers:
        import pyarrow as pa

        return cls(pa.table({"value": pa.array(list(identifiers), pa.string()),
                             "kind": pa.array(list(identifiers.values()), pa.string())}))

    def lookup(self, tokens: set[str]) -> dict[str, str]:
        """The tokens that are identifiers, with their kind."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not tokens or self.values is None:
            return {}
        candidates = pa.array(sorted(tokens), pa.string())
        where = pc.index_in(candidates, value_set=self.values)
        hits = pc.is_valid(where)
        kinds = pc.take(self.table.column("kind"), where.filter(hits)).to_pylist()
        return dict(zip(candidates.filter(hits).to_pylist(), kinds))

    def updated(self, extra: dict[str, str]) -> Identifiers:
        """These identifiers with `extra` added; a value in both takes the kind of `extra` (as `dict.update`)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not extra:
            return self
        added = Identifiers.of(extra).table
        kept = self.table.filter(pc.invert(pc.is_in(self.table.column("value"), value_set=added.column("value"))))
        return Identifiers(pa.concat_tables([kept, added]))

    def as_dict(self) -> dict[str, str]:
        return dict(zip(self.table.column("value").to_pylist(), self.table.column("kind").to_pylist()))


@dataclass(frozen=True)
class ZoneIdentifiers:
    """The searchable identifiers of one state of the pipeline database, loaded once."""

    state: tuple[Any, ...]  # `zone_state` of the pipeline database they were loaded from
    identifiers: Identifiers  # only those worth looking for (`searchable`)


# One entry: the newest state loaded, and the content digests of the files scanned clean against it.
_ZONE_CACHE: list[ZoneIdentifiers] = []
_CLEAN_SCANS: set[tuple[tuple[Any, ...], str]] = set()


def zone_state(pipeline_db: Path) -> tuple[Any, ...]:
    """What identifies one state of the pipeline database: its path, the identity, size and
    modification times of the file and its WAL, and a digest of its headers (DuckDB writes a new
    header, with a higher iteration number, at every checkpoint). Any write changes one of them."""
    path = Path(pipeline_db).resolve()
    if not path.exists():
        raise FileNotFoundError(f"pijplijndatabase {pipeline_db} bestaat niet")
    parts: list[Any] = [str(path)]
    for candidate in (path, Path(str(path) + ".wal")):
        try:
            st = candidate.stat()
        except FileNotFoundError:
            parts.append(None)
            continue
        parts.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    with open(path, "rb") as handle:
        parts.append(hashlib.sha256(handle.read(3 * 4096)).hexdigest())  # main header + both database headers
    return tuple(parts)


def zone_identifiers(pipeline_db: Path) -> ZoneIdentifiers:
    """The searchable identifiers of the pipeline database as it is now; loaded again as soon
    as the database changed (`zone_state`)."""
    state = zone_state(pipeline_db)
    if _ZONE_CACHE and _ZONE_CACHE[0].state == state:
        return _ZONE_CACHE[0]
    clear_identifier_cache()  # never two states in memory at once
    zone = ZoneIdentifiers(state, _load_searchable(Path(pipeline_db)))
    if zone_state(pipeline_db) == state:  # not written to while loading: keep it
        _ZONE_CACHE[:] = [zone]
        _CLEAN_SCANS.clear()
    return zone


def clear_identifier_cache() -> None:
    """Forget the loaded identifiers and the clean scans (tests; a long-lived process)."""
    _ZONE_CACHE.clear()
    _CLEAN_SCANS.clear()


def _scan(
    paths: Path | str | Iterable[Path | str], identifiers: Identifiers, state: tuple[Any, ...] | None
) -> list[Finding]:
    """Scan with `identifiers` (already `searchable`). With a `state`, a file whose content was
    scanned clean against that state before is not scanned again; the digest is taken before
    and after the scan (which only reads: DuckDB files are attached READ_ONLY) and must agree."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    findings: list[Finding] = []
    for path in _files(paths):
        findings.extend(_scan_name(path, identifiers))
        # A DuckDB file with a WAL beside it is read with the WAL: no shortcut for it.
        digest = file_sha256(path) if state is not None and not Path(str(path) + ".wal").exists() else None
        if digest is not None and (state, digest) in _CLEAN_SCANS:
            continue
        kind = file_kind(path)
        if kind == "duckdb":
            found = _scan_duckdb(path, identifiers)
        elif kind == "parquet":
            found = _scan_parquet(path, identifiers)
        else:
            found = _scan_text(path, identifiers)
        findings.extend(found)
        # Remembered only when the bytes did not change while they were scanned.
        if (digest is not None and not found and _ZONE_CACHE and _ZONE_CACHE[0].state == state
                and file_sha256(path) == digest):
            _CLEAN_SCANS.add((state, digest))
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


def _scan_name(path: Path, identifiers: Identifiers) -> list[Finding]:
    hits = identifiers.lookup(tokens_of_text(re.sub(r"[._/]", " ", path.name)))
    return [Finding(str(path), "file name", "identifier", hits[token], mask(token)) for token in sorted(hits)]


def _scan_text(path: Path, identifiers: Identifiers) -> list[Finding]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    findings: list[Finding] = []
    if path.suffix.lower() == ".csv":
        header = text.splitlines()[0] if text else ""
        for name in re.split(r"[,;\t]", header):
            name = name.strip().strip('"').lstrip("\ufeff")
            if name and is_forbidden_column(name):
                findings.append(Finding(str(path), "CSV header", "forbidden_column", name, name))
    lines = [tokens_of_text(line) for line in text.splitlines()]
    hits = identifiers.lookup(set().union(*lines))
    for number, tokens in enumerate(lines, start=1):
        for token in sorted(tokens & hits.keys()):
            findings.append(Finding(str(path), f"line {number}", "identifier", hits[token], mask(token)))
    return findings


def _register_identifiers(con: duckdb.DuckDBPyConnection, identifiers: Identifiers) -> None:
    """The identifiers as temp table `identifiers` (value, kind)."""
    con.register("identifiers_arrow", identifiers.table)
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


def _scan_parquet(path: Path, identifiers: Identifiers) -> list[Finding]:
    con = duckdb.connect()
    try:
        _register_identifiers(con, identifiers)
        source = "read_parquet('" + str(path).replace("'", "''") + "')"
        columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        return _relation_findings(con, path, path.name, source, columns)
    finally:
        con.close()


def _scan_duckdb(path: Path, identifiers: Identifiers) -> list[Finding]:
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
        tokens = [(name, tokens_of_text(text)) for name, text in texts]
        hits = identifiers.lookup(set().union(*(t for _, t in tokens)))
        for name, text_tokens in tokens:
            for token in sorted(text_tokens & hits.keys()):
                findings.append(Finding(str(path), f"definition of {name}", "identifier", hits[token], mask(token)))
    finally:
        con.close()
    return findings
