"""The floor: the monitor table at one peildatum in plain DuckDB, on the landing files the job read.

No Dagster, no dbt, no Great Expectations, no quarantine bookkeeping: what the work itself costs
when all the machinery around it is taken away. It is a simplified but honest computation of
MONITOR.md, so the ratio job/floor says what the machinery costs, not what a shortcut saves:

- every delivery of every file type of the seven sources (verblijven and trajecten of the five
  pilots, IND procedures and maatregelen, DT&V vertrekzaken) is read, as the job reads them all,
  with DuckDB's `read_csv` (delimiter sniffed from the header line, all columns as text; a
  Windows-1252 file is transcoded to UTF-8 first, as DuckDB's `encodings` extension cannot be
  installed offline) or, for XLSX, python-calamine into Arrow (nor can the `excel` extension);
  the newest delivery of every bron+bestand is the `nieuwste` state the figures rest on;
- header names, dates (four spellings), booleans and codes are normalized as FEEDS.md says; a
  row that does not conform is dropped (the job quarantines it with its reason);
- linkage is the contract's deterministic rule only (v_nummer plus two of three attributes, or
  exactly one national person with all three); the job adds probabilistic links and reviewer
  decisions, so a stay the job links probabilistically may count differently here;
- target group, outflow category (window [instroom, uitstroom + N days], N from
  pipelines/reconciliation_window.py, as dbt reads it), scenarios and MRT
  follow the SQL of dbt_project/macros/monitor.sql, for one peildatum, in one statement.

`compare` reads the job's `marts.fct_monitor` at the same peildatum and reports every cell that
differs, so the benchmark says whether the floor computed the same figures.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.contract import BESTANDEN_PER_BRON, FILE_SPECS
from pipelines.reconciliation_window import window_days

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
# The contract's file types and columns, from the one place they are defined (not the pipeline).
SOURCES = BESTANDEN_PER_BRON
COLUMNS = {bestand: spec.column_names for bestand, spec in FILE_SPECS.items()}
CATEGORIES = ("bestendig_verblijf", "terugkeer", "doormigratie", "asielaanvraag_azc", "uitstel_art64",
              "mob", "terug_bbb", "gedwongen_beeindigd", "onbevestigd", "overig")
OPTIONAL = {"verblijven": {"v_nummer", "uitstroomdatum", "uitstroomreden"}, "trajecten": set(),
            "procedures": {"beslissing", "beslisdatum"}, "maatregelen": {"einddatum"},
            "vertrekzaken": {"vertrekdatum", "vertrekwijze", "bestemming", "land"}}
FIGURES = ("capaciteit", "ooit_opgevangen", "aanwezig", "bestendig_verblijf", "terugkeer", "doormigratie",
           "asielaanvraag_azc", "uitstel_art64", "mob", "terug_bbb", "gedwongen_beeindigd", "onbevestigd",
           "overig", "bestendig_totaal", "scenario_vertrek", "scenario_verblijf", "scenario_geen",
           "mrt_besproken", "buiten_doelgroep")


def deliveries(landing: Path) -> dict[str, list[tuple[str, str, Path]]]:
    """Per file type, every delivery (bron, peildatum, path) whose name follows the contract."""
    per_type: dict[str, list[tuple[str, str, Path]]] = {}
    for bron, bestanden in SOURCES.items():
        pattern = re.compile(rf"^{bron}_({'|'.join(bestanden)})_(\d{{8}})\.(csv|xlsx)$")
        folder = landing / bron
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            match = pattern.match(path.name)
            if not match or path.is_symlink() or not path.is_file():
                continue
            try:
                peildatum = datetime.strptime(match.group(2), "%Y%m%d").date().isoformat()
            except ValueError:
                continue
            per_type.setdefault(match.group(1), []).append((bron, peildatum, path))
    return per_type


def _cell(value) -> str | None:
    """An XLSX cell as the text a CSV would hold (real Excel dates become ISO dates)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_arrow(path: Path):
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(h).strip().lower() for h in rows[0]]
    columns = {name: pa.array([_cell(r[i]) if i < len(r) else None for r in rows[1:]], pa.string())
               for i, name in enumerate(header) if name}
    return pa.table(columns)


def _csv_relation(path: Path, scratch: Path) -> str:
    """A read_csv() call for a delivery, its delimiter sniffed from the header line. A file that is
    not UTF-8 is Windows-1252 (FEEDS.md): DuckDB reads that only with the `encodings` extension,
    which cannot be installed offline, so it is transcoded to a UTF-8 copy first (counted in the
    floor's time)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        path = scratch / path.name
        path.write_text(data.decode("cp1252"), encoding="utf-8")
    first_line = data.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    quoted = str(path).replace("'", "''")
    return (f"read_csv('{quoted}', delim='{delimiter}', quote='\"', header=true, all_varchar=true, "
            "strict_mode=false, null_padding=true)")


def load(con: duckdb.DuckDBPyConnection, landing: Path, scratch: Path) -> dict[str, int]:
    """Read every delivery, as the job does; keep the newest of every bron+bestand as the text table
    `raw_<bestand>` (normalized header names, a `bron` column). A file without a required column
    is rejected whole, as the job rejects it; one without rows never counts as the newest."""
    counts = {}
    for bestand, found in deliveries(landing).items():
        parts = []
        for number, (bron, peildatum, path) in enumerate(found):
            if path.suffix == ".xlsx":
                source = f"xlsx_{bestand}_{number}"
                con.register(source, _xlsx_arrow(path))
            else:
                source = _csv_relation(path, scratch)
            names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            actual = {name.strip().lstrip("\ufeff").strip().lower(): name for name in names}
            if any(c not in actual for c in COLUMNS[bestand] if c not in OPTIONAL[bestand]):
                continue
            select = ", ".join(
                (f'nullif(trim("{actual[c]}"), \'\') AS {c}' if c in actual else f"NULL::VARCHAR AS {c}")
                for c in COLUMNS[bestand])
            parts.append(f"SELECT '{bron}' AS bron, DATE '{peildatum}' AS levering, {select} FROM {source}")
        con.execute(f"CREATE OR REPLACE TABLE all_{bestand} AS {' UNION ALL '.join(parts)}").fetchall()
        counts[bestand] = con.execute(f"SELECT count(*) FROM all_{bestand}").fetchall()[0][0]
        con.execute(f"CREATE OR REPLACE TABLE raw_{bestand} AS SELECT * FROM all_{bestand} "
                    "QUALIFY levering = max(levering) OVER (PARTITION BY bron)").fetchall()
    return counts


_DATE = ("coalesce(try_strptime({0}, '%Y-%m-%d'), try_strptime({0}, '%d-%m-%Y'), "
         "try_strptime({0}, '%d/%m/%Y'))::DATE")
_BOOL = ("CASE WHEN lower({0}) IN ('ja','j','true','1','yes') THEN true "
         "WHEN lower({0}) IN ('nee','n','false','0','no') THEN false END")


def _d(column: str) -> str:
    return _DATE.format(column)


MONITOR_SQL = f"""
CREATE OR REPLACE TABLE codes AS SELECT lijst, code FROM read_csv('{SEEDS / "codes.csv"}', all_varchar=true);
CREATE OR REPLACE TABLE countries AS SELECT iso3, eu_lid_2020::BOOLEAN AS eu FROM read_csv('{SEEDS / "countries.csv"}', all_varchar=true);
CREATE OR REPLACE TABLE pilots AS SELECT bron, gemeente, capaciteit::INTEGER AS capaciteit, volgorde::INTEGER AS volgorde
    FROM read_csv('{SEEDS / "pilots.csv"}', all_varchar=true);

CREATE OR REPLACE TABLE verblijven AS
SELECT * FROM (
    SELECT bron, client_id, verblijf_id, regexp_replace(v_nummer, '\\s', '', 'g') AS v_nummer,
           {_d('geboortedatum')} AS geboortedatum, upper(geslacht) AS geslacht, upper(nationaliteit) AS nationaliteit,
           upper(samenstelling) AS samenstelling, {_d('instroomdatum')} AS instroomdatum,
           {_BOOL.format('regiobinding')} AS regiobinding, {_d('uitstroomdatum')} AS uitstroomdatum,
           upper(uitstroomreden) AS uitstroomreden, uitstroomdatum AS uitstroomdatum_tekst
    FROM raw_verblijven)
WHERE client_id IS NOT NULL AND verblijf_id IS NOT NULL AND geboortedatum IS NOT NULL
  AND instroomdatum IS NOT NULL AND regiobinding IS NOT NULL
  AND geslacht IN (SELECT code FROM codes WHERE lijst = 'geslacht')
  AND samenstelling IN (SELECT code FROM codes WHERE lijst = 'samenstelling')
  AND (uitstroomdatum_tekst IS NULL) = (uitstroomdatum IS NULL)
  AND (uitstroomdatum IS NULL OR uitstroomreden IN (SELECT code FROM codes WHERE lijst = 'uitstroomreden'));

CREATE OR REPLACE TABLE trajecten AS
SELECT bron, verblijf_id, {_d('datum')} AS datum, upper(gebeurtenis) AS gebeurtenis FROM raw_trajecten
WHERE {_d('datum')} IS NOT NULL AND upper(gebeurtenis) IN (SELECT code FROM codes WHERE lijst = 'gebeurtenis');

CREATE OR REPLACE TABLE procedures AS
SELECT v_nummer, {_d('geboortedatum')} AS geboortedatum, upper(geslacht) AS geslacht,
       upper(nationaliteit) AS nationaliteit, upper(soort) AS soort, {_d('aanvraagdatum')} AS aanvraagdatum,
       upper(beslissing) AS beslissing, {_d('beslisdatum')} AS beslisdatum
FROM raw_procedures WHERE v_nummer IS NOT NULL AND {_d('aanvraagdatum')} IS NOT NULL;

CREATE OR REPLACE TABLE maatregelen AS
SELECT v_nummer, upper(maatregel) AS maatregel, {_d('ingangsdatum')} AS ingangsdatum, {_d('einddatum')} AS einddatum
FROM raw_maatregelen WHERE v_nummer IS NOT NULL AND {_d('ingangsdatum')} IS NOT NULL;

CREATE OR REPLACE TABLE vertrekzaken AS
SELECT v_nummer, {_d('geboortedatum')} AS geboortedatum, upper(geslacht) AS geslacht,
       upper(nationaliteit) AS nationaliteit, {_d('vertrekdatum')} AS vertrekdatum,
       upper(vertrekwijze) AS vertrekwijze, upper(bestemming) AS bestemming
FROM raw_vertrekzaken WHERE v_nummer IS NOT NULL;

-- Linkage, the contract's deterministic rule, per municipal person (bron, client_id) with the
-- attributes of its latest stay.
CREATE OR REPLACE TABLE personen AS
WITH national AS (
    SELECT DISTINCT v_nummer, geboortedatum, geslacht, nationaliteit FROM procedures
    UNION SELECT DISTINCT v_nummer, geboortedatum, geslacht, nationaliteit FROM vertrekzaken
),
clients AS (
    SELECT bron, client_id, arg_max(v_nummer, instroomdatum) AS v_nummer, arg_max(geboortedatum, instroomdatum) AS geboortedatum,
           arg_max(geslacht, instroomdatum) AS geslacht, arg_max(nationaliteit, instroomdatum) AS nationaliteit
    FROM verblijven GROUP BY bron, client_id
),
by_number AS (
    SELECT c.bron, c.client_id, any_value(n.v_nummer) AS v_nummer FROM clients c JOIN national n ON n.v_nummer = c.v_nummer
    WHERE (n.geboortedatum = c.geboortedatum)::INT + (n.geslacht = c.geslacht)::INT + (n.nationaliteit = c.nationaliteit)::INT >= 2
    GROUP BY ALL
),
by_attributes AS (
    SELECT c.bron, c.client_id, min(n.v_nummer) AS v_nummer FROM clients c
    JOIN national n USING (geboortedatum, geslacht, nationaliteit)
    GROUP BY ALL HAVING count(DISTINCT n.v_nummer) = 1
)
SELECT c.bron, c.client_id, coalesce(b.v_nummer, a.v_nummer) AS v_nummer,
       coalesce(b.v_nummer, a.v_nummer, c.bron || ':' || c.client_id) AS persoon_key
FROM clients c LEFT JOIN by_number b USING (bron, client_id) LEFT JOIN by_attributes a USING (bron, client_id);

CREATE OR REPLACE TABLE stays AS
SELECT v.bron, v.verblijf_id, p.persoon_key, p.v_nummer, v.instroomdatum, v.uitstroomdatum, v.uitstroomreden,
       NOT (v.samenstelling = 'GEZIN' OR coalesce(c.eu, false) OR NOT v.regiobinding
            OR EXISTS (SELECT 1 FROM maatregelen m WHERE m.v_nummer = p.v_nummer AND m.ingangsdatum <= v.instroomdatum
                       AND (m.einddatum IS NULL OR m.einddatum > v.instroomdatum))
            OR EXISTS (SELECT 1 FROM procedures r WHERE r.v_nummer = p.v_nummer AND r.soort IN ('ASIEL_EERSTE', 'ASIEL_HERHAALD')
                       AND r.aanvraagdatum <= v.instroomdatum AND (r.beslisdatum IS NULL OR r.beslisdatum > v.instroomdatum))
       ) AS in_doelgroep
FROM verblijven v JOIN personen p USING (bron, client_id) LEFT JOIN countries c ON c.iso3 = v.nationaliteit;

CREATE OR REPLACE TABLE monitor AS
WITH s AS (SELECT * FROM stays WHERE instroomdatum <= $p),
ended AS (
    SELECT s.bron, s.verblijf_id, s.uitstroomreden AS reden,
           (SELECT min(r.beslisdatum) FROM procedures r WHERE r.v_nummer = s.v_nummer AND r.beslissing = 'INWILLIGING'
              AND r.soort IN ('ASIEL_EERSTE', 'ASIEL_HERHAALD', 'REGULIER', 'BUITEN_SCHULD')
              AND r.beslisdatum BETWEEN s.instroomdatum AND s.uitstroomdatum + to_days($venster) AND r.beslisdatum <= $p) AS inwilliging,
           (SELECT arg_max(CASE WHEN d.vertrekwijze = 'ZELFSTANDIG_NIET_AANTOONBAAR' THEN 'mob'
                                WHEN d.bestemming = 'HERKOMSTLAND' THEN 'terugkeer' WHEN d.bestemming = 'DERDE_LAND' THEN 'doormigratie' END,
                           d.vertrekdatum)
              FROM vertrekzaken d WHERE d.v_nummer = s.v_nummer
              AND d.vertrekdatum BETWEEN s.instroomdatum AND s.uitstroomdatum + to_days($venster) AND d.vertrekdatum <= $p) AS vertrek
    FROM s WHERE s.in_doelgroep AND s.uitstroomdatum <= $p
),
categorie AS (
    SELECT bron, CASE
        WHEN reden = 'VERBLIJFSVERGUNNING' THEN CASE WHEN inwilliging IS NOT NULL THEN 'bestendig_verblijf' ELSE 'onbevestigd' END
        WHEN reden IN ('TERUGKEER', 'DOORMIGRATIE', 'MOB') THEN coalesce(vertrek, CASE WHEN reden = 'MOB' THEN 'mob' ELSE 'onbevestigd' END)
        WHEN reden = 'ASIELAANVRAAG' THEN 'asielaanvraag_azc' WHEN reden = 'UITSTEL_VERTREK_ART64' THEN 'uitstel_art64'
        WHEN reden = 'BBB' THEN 'terug_bbb' WHEN reden = 'GEDWONGEN_BEEINDIGD' THEN 'gedwongen_beeindigd'
        WHEN reden = 'OVERIG' THEN 'overig' END AS categorie
    FROM ended
),
present AS (
    SELECT s.*, row_number() OVER (PARTITION BY persoon_key, bron ORDER BY instroomdatum DESC, verblijf_id) AS rang_pilot,
           row_number() OVER (PARTITION BY persoon_key ORDER BY instroomdatum DESC, verblijf_id) AS rang_totaal,
           coalesce((SELECT arg_max(t.gebeurtenis, t.datum) FROM trajecten t WHERE t.bron = s.bron AND t.verblijf_id = s.verblijf_id
                     AND t.datum <= $p AND t.gebeurtenis LIKE 'SCENARIO_%'), 'GEEN') AS scenario
    FROM s WHERE in_doelgroep AND (uitstroomdatum IS NULL OR uitstroomdatum > $p)
),
mrt AS (
    SELECT DISTINCT s.bron, s.persoon_key FROM s JOIN trajecten t ON t.bron = s.bron AND t.verblijf_id = s.verblijf_id
    WHERE s.in_doelgroep AND t.gebeurtenis = 'MRT_ADVIES' AND t.datum <= $p
),
personen_n AS (SELECT bron, count(DISTINCT persoon_key) FILTER (WHERE in_doelgroep) AS ooit_opgevangen,
                      count(DISTINCT persoon_key) FILTER (WHERE NOT in_doelgroep) AS buiten_doelgroep
               FROM s GROUP BY GROUPING SETS ((bron), ())),
aanwezig_n AS (SELECT bron, count(DISTINCT persoon_key) AS aanwezig FROM present GROUP BY GROUPING SETS ((bron), ())),
uitstroom_n AS (PIVOT (SELECT bron, categorie FROM categorie UNION ALL SELECT NULL, categorie FROM categorie)
                ON categorie IN ('bestendig_verblijf', 'terugkeer', 'doormigratie', 'asielaanvraag_azc', 'uitstel_art64',
                                 'mob', 'terug_bbb', 'gedwongen_beeindigd', 'onbevestigd', 'overig') USING count(*) GROUP BY bron),
scenario_n AS (
    SELECT bron, count(*) FILTER (WHERE scenario = 'SCENARIO_VERTREK') AS scenario_vertrek,
           count(*) FILTER (WHERE scenario = 'SCENARIO_VERBLIJF') AS scenario_verblijf,
           count(*) FILTER (WHERE scenario = 'GEEN') AS scenario_geen FROM present WHERE rang_pilot = 1 GROUP BY bron
    UNION ALL
    SELECT NULL, count(*) FILTER (WHERE scenario = 'SCENARIO_VERTREK'), count(*) FILTER (WHERE scenario = 'SCENARIO_VERBLIJF'),
           count(*) FILTER (WHERE scenario = 'GEEN') FROM present WHERE rang_totaal = 1
),
mrt_n AS (SELECT bron, count(DISTINCT persoon_key) AS mrt_besproken FROM mrt GROUP BY GROUPING SETS ((bron), ())),
rows_ AS (SELECT bron, gemeente, capaciteit, volgorde FROM pilots
          UNION ALL SELECT NULL, 'totaal', (SELECT sum(capaciteit) FROM pilots)::INTEGER, 99)
SELECT r.gemeente, r.capaciteit,
       coalesce(pn.ooit_opgevangen, 0) AS ooit_opgevangen, coalesce(an.aanwezig, 0) AS aanwezig,
       {", ".join(f"coalesce(un.{c}, 0) AS {c}" for c in CATEGORIES)},
       coalesce(un.bestendig_verblijf, 0) + coalesce(un.terugkeer, 0) + coalesce(un.doormigratie, 0) AS bestendig_totaal,
       coalesce(sn.scenario_vertrek, 0) AS scenario_vertrek, coalesce(sn.scenario_verblijf, 0) AS scenario_verblijf,
       coalesce(sn.scenario_geen, 0) AS scenario_geen, coalesce(mn.mrt_besproken, 0) AS mrt_besproken,
       coalesce(pn.buiten_doelgroep, 0) AS buiten_doelgroep, r.volgorde
FROM rows_ r
LEFT JOIN personen_n pn ON pn.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN aanwezig_n an ON an.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN uitstroom_n un ON un.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN scenario_n sn ON sn.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN mrt_n mn ON mn.bron IS NOT DISTINCT FROM r.bron
ORDER BY r.volgorde;
"""


def compute(landing: Path, peildatum: date) -> tuple[list[dict], dict[str, int]]:
    """The monitor table at `peildatum` from the landing files, and the rows read per file type."""
    import tempfile

    con = duckdb.connect()  # in memory: the floor keeps nothing
    with tempfile.TemporaryDirectory(prefix="lvv-floor-") as scratch:
        counts = load(con, landing, Path(scratch))
    for statement in MONITOR_SQL.split(";\n"):
        if statement.strip():
            con.execute(statement.replace("$p", f"DATE '{peildatum.isoformat()}'")
                        .replace("$venster", str(window_days()))).fetchall()
    rows = con.execute(f"SELECT gemeente, {', '.join(FIGURES)} FROM monitor ORDER BY volgorde").fetchall()
    con.close()
    return [dict(zip(("gemeente",) + FIGURES, row)) for row in rows], counts


def job_monitor(database: Path, peildatum: date) -> list[dict]:
    """The job's `marts.fct_monitor` at `peildatum` (newest deliveries), in the floor's row order."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            f"SELECT gemeente, {', '.join(FIGURES)} FROM marts.fct_monitor "
            "WHERE peildatum = ? AND modus = 'nieuwste'", [peildatum]).fetchall()
    finally:
        con.close()
    return [dict(zip(("gemeente",) + FIGURES, row)) for row in rows]


def job_probabilistic_links(database: Path) -> int:
    """How many municipal persons the job linked probabilistically (Splink) in the newest state:
    links the floor's deterministic rule does not make, so cells that differ point here first."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM linkage.person_links "
                           "WHERE kennisstand = 'nieuwste' AND methode = 'splink'").fetchall()[0][0]
    finally:
        con.close()


def compare(floor: list[dict], job: list[dict]) -> list[str]:
    """Every cell in which the floor and the job differ, as `gemeente.figure: floor vs job`."""
    by_name = {row["gemeente"]: row for row in job}
    differences = []
    for row in floor:
        other = by_name.get(row["gemeente"])
        if other is None:
            differences.append(f"{row['gemeente']}: not in the job's fct_monitor")
            continue
        differences += [f"{row['gemeente']}.{f}: {row[f]} vs {other[f]}" for f in FIGURES if row[f] != other[f]]
    return differences
