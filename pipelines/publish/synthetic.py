"""A small synthetic pipeline database, for tests and for trying publish and extract by hand.

`make_pipeline_db(path)` writes a DuckDB file with a tiny raw zone (the raw tables of
docs/architecture.md with the contract's columns, so the output scanner has identifiers to look
for) and a schema `marts` shaped as docs/marts.md describes, computed from that raw zone in
Python: dimensions, facts, `fct_monitor` and the table macro `marts.monitor_op(peildatum,
as_reported)`. It is not the real dbt project: its monitor follows MONITOR.md only roughly
(no linkage, no national confirmation), which is all publishing and extracting need.
Everything in it is made up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.pseudonym import DEMO_KEY, pseudonymize

PILOTS = [
    ("amsterdam", "GM0363", "Amsterdam", 360, 1),
    ("rotterdam", "GM0599", "Rotterdam", 117, 2),
    ("utrecht", "GM0344", "Utrecht", 235, 3),
    ("groningen", "GM0014", "Groningen", 300, 4),
    ("eindhoven", "GM0772", "Eindhoven", 130, 5),
]
NATIONALITIES = {
    "ERI": 15, "IRN": 10, "NGA": 8, "GIN": 7, "AFG": 5, "IRQ": 4, "SOM": 4, "ETH": 3, "SDN": 3,
    "MAR": 4, "DZA": 3, "XXX": 2, "LBY": 2, "GEO": 2, "ALB": 1, "MNG": 1, "CHN": 1, "VEN": 0.4,
    "POL": 0.5, "FJI": 0.2, "ISL": 0.2,
}
REASONS = {
    "VERBLIJFSVERGUNNING": 8, "TERUGKEER": 8, "DOORMIGRATIE": 2, "ASIELAANVRAAG": 15,
    "UITSTEL_VERTREK_ART64": 3, "MOB": 10, "BBB": 1, "GEDWONGEN_BEEINDIGD": 7, "OVERIG": 3,
}
CATEGORY_OF_REASON = {
    "VERBLIJFSVERGUNNING": "bestendig_verblijf", "TERUGKEER": "terugkeer", "DOORMIGRATIE": "doormigratie",
    "ASIELAANVRAAG": "asielaanvraag_azc", "UITSTEL_VERTREK_ART64": "uitstel_art64", "MOB": "mob",
    "BBB": "terug_bbb", "GEDWONGEN_BEEINDIGD": "gedwongen_beeindigd", "OVERIG": "overig",
}
EU = {"POL"}
START = date(2019, 4, 1)
PEILDATA = [date(2020, 2, 1), date(2020, 5, 1), date(2020, 8, 1), date(2020, 11, 1), date(2021, 2, 1)]
NEWEST = PEILDATA[-1]


@dataclass
class Stay:
    bron: str
    client_id: str
    verblijf_id: str
    v_nummer: str | None
    geboortedatum: date
    geslacht: str
    nationaliteit: str
    samenstelling: str
    instroomdatum: date
    herkomst: str
    regiobinding: bool
    uitstroomdatum: date | None
    uitstroomreden: str | None
    events: list[tuple[date, str]]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_population(n_persons: int = 400, seed: int = 7) -> list[Stay]:
    rng = random.Random(seed)
    stays: list[Stay] = []
    span = (NEWEST - START).days
    for n in range(n_persons):
        bron = rng.choices([p[0] for p in PILOTS], weights=[p[3] for p in PILOTS])[0]
        v_nummer = f"{3_000_000_000 + n * 7919:010d}" if rng.random() > 0.08 else None
        birth = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        sex = rng.choices("MVX", weights=[76, 22, 2])[0]
        nat = _pick(rng, NATIONALITIES)
        n_stays = 2 if rng.random() < 0.06 else 1
        start = START + timedelta(days=rng.randrange(0, span - 20))
        for k in range(n_stays):
            if start > NEWEST:
                break
            end = None
            if rng.random() < 0.55:
                end = start + timedelta(days=rng.randrange(5, 700))
                if end > NEWEST:
                    end = None
            reason = _pick(rng, REASONS) if end else None
            events: list[tuple[date, str]] = []
            last = end or NEWEST
            if rng.random() < 0.8 and (last - start).days > 20:
                when = start + timedelta(days=rng.randrange(10, (last - start).days))
                events.append((when, rng.choice(["SCENARIO_VERTREK", "SCENARIO_VERBLIJF"])))
                if rng.random() < 0.1:
                    events.append((when, "MRT_AANGEMELD"))
                    events.append((min(last, when + timedelta(days=14)), "MRT_ADVIES"))
            stays.append(Stay(
                bron=bron, client_id=f"{bron[:3].upper()}-C{n:05d}", verblijf_id=f"{bron[:3].upper()}-V{n:05d}/{k + 1}",
                v_nummer=v_nummer, geboortedatum=birth, geslacht=sex, nationaliteit=nat,
                samenstelling="GEZIN" if rng.random() < 0.03 else "ALLEENSTAAND", instroomdatum=start,
                herkomst=rng.choice(["NIEUW", "BBB", "OVERIG"]), regiobinding=rng.random() > 0.03,
                uitstroomdatum=end, uitstroomreden=reason, events=events,
            ))
            if end is None:
                break
            start = end + timedelta(days=rng.randrange(20, 200))
    return stays


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


MONITOR_MACRO = """
CREATE OR REPLACE MACRO marts.monitor_op(peildatum, as_reported) AS TABLE
WITH v AS (
    SELECT i.*, u.uitstroomdatum, u.uitstroomcategorie
    FROM marts.fct_instroom i LEFT JOIN marts.fct_uitstroom u USING (verblijf_key)
    WHERE i.instroomdatum <= peildatum
), sc AS (
    SELECT verblijf_key, arg_max(scenario, datum) AS scenario
    FROM marts.fct_scenario WHERE scenario IS NOT NULL AND datum <= peildatum GROUP BY verblijf_key
), mrt AS (
    SELECT DISTINCT persoon_key, bron FROM marts.fct_scenario WHERE gebeurtenis = 'MRT_ADVIES' AND datum <= peildatum
), per AS (
    SELECT p.bron, p.gemeente, p.capaciteit, p.volgorde,
        count(DISTINCT v.persoon_key) FILTER (WHERE v.in_doelgroep) AS ooit_opgevangen,
        count(DISTINCT v.persoon_key) FILTER (WHERE v.in_doelgroep AND (v.uitstroomdatum IS NULL OR v.uitstroomdatum > peildatum)) AS aanwezig,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'bestendig_verblijf') AS bestendig_verblijf,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'terugkeer') AS terugkeer,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'doormigratie') AS doormigratie,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'asielaanvraag_azc') AS asielaanvraag_azc,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'uitstel_art64') AS uitstel_art64,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'mob') AS mob,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'terug_bbb') AS terug_bbb,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'gedwongen_beeindigd') AS gedwongen_beeindigd,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'onbevestigd') AS onbevestigd,
        count(*) FILTER (WHERE v.in_doelgroep AND v.uitstroomdatum <= peildatum AND v.uitstroomcategorie = 'overig') AS overig,
        count(DISTINCT v.persoon_key) FILTER (WHERE v.in_doelgroep AND (v.uitstroomdatum IS NULL OR v.uitstroomdatum > peildatum) AND sc.scenario = 'vertrek') AS scenario_vertrek,
        count(DISTINCT v.persoon_key) FILTER (WHERE v.in_doelgroep AND (v.uitstroomdatum IS NULL OR v.uitstroomdatum > peildatum) AND sc.scenario = 'verblijf') AS scenario_verblijf,
        count(DISTINCT v.persoon_key) FILTER (WHERE v.in_doelgroep AND (v.uitstroomdatum IS NULL OR v.uitstroomdatum > peildatum) AND sc.scenario IS NULL) AS scenario_geen,
        count(DISTINCT mrt.persoon_key) FILTER (WHERE v.in_doelgroep) AS mrt_besproken,
        count(DISTINCT v.persoon_key) FILTER (WHERE NOT v.in_doelgroep) AS buiten_doelgroep
    FROM marts.dim_pilot p
    LEFT JOIN v ON v.bron = p.bron
    LEFT JOIN sc ON sc.verblijf_key = v.verblijf_key
    LEFT JOIN mrt ON mrt.persoon_key = v.persoon_key AND mrt.bron = v.bron
    GROUP BY ALL
), rows AS (
    SELECT volgorde, gemeente, capaciteit, ooit_opgevangen, aanwezig, bestendig_verblijf, terugkeer, doormigratie,
           asielaanvraag_azc, uitstel_art64, mob, terug_bbb, gedwongen_beeindigd, onbevestigd, overig,
           bestendig_verblijf + terugkeer + doormigratie AS bestendig_totaal,
           scenario_vertrek, scenario_verblijf, scenario_geen, mrt_besproken, buiten_doelgroep
    FROM per
    UNION ALL
    SELECT 99, 'totaal', sum(capaciteit), sum(ooit_opgevangen), sum(aanwezig), sum(bestendig_verblijf), sum(terugkeer),
           sum(doormigratie), sum(asielaanvraag_azc), sum(uitstel_art64), sum(mob), sum(terug_bbb),
           sum(gedwongen_beeindigd), sum(onbevestigd), sum(overig),
           sum(bestendig_verblijf + terugkeer + doormigratie), sum(scenario_vertrek), sum(scenario_verblijf),
           sum(scenario_geen), sum(mrt_besproken), sum(buiten_doelgroep)
    FROM per
)
SELECT * EXCLUDE (volgorde) FROM rows ORDER BY volgorde
"""


def make_pipeline_db(path: Path, n_persons: int = 400, seed: int = 7, key: str = DEMO_KEY) -> Path:
    """Write the synthetic pipeline database to `path` (replacing it) and return the path."""
    path = Path(path)
    for stale in (path, Path(str(path) + ".wal")):
        if stale.exists():
            stale.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    stays = make_population(n_persons, seed)
    secret = key.encode("utf-8")
    con = duckdb.connect(str(path))
    try:
        _raw_zone(con, stays)
        _marts(con, stays, secret)
    finally:
        con.close()
    return path


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[list]) -> None:
    """Bulk insert through Arrow (executemany is slow in DuckDB)."""
    import pyarrow as pa

    if not rows:
        return
    names = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    data = pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})
    con.register("_rows", data)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def _raw_zone(con: duckdb.DuckDBPyConnection, stays: list[Stay]) -> None:
    con.execute("CREATE SCHEMA raw")
    con.execute(
        """
        CREATE TABLE raw.deliveries (
            delivery_id INTEGER, file_name VARCHAR, relative_path VARCHAR, bron VARCHAR, bestand VARCHAR,
            peildatum DATE, file_format VARCHAR, encoding VARCHAR, delimiter VARCHAR, sha256 VARCHAR,
            size_bytes BIGINT, received_at TIMESTAMP, loaded_at TIMESTAMP, rows_read INTEGER,
            rows_loaded INTEGER, rows_quarantined INTEGER, status VARCHAR, reason VARCHAR, extra_columns VARCHAR[]
        )
        """
    )
    delivery = 0
    for peildatum in PEILDATA:
        for bron, bestand in [(p[0], "verblijven") for p in PILOTS] + [("ind", "procedures"), ("dtv", "vertrekzaken")]:
            delivery += 1
            name = f"{bron}_{bestand}_{peildatum:%Y%m%d}.csv"
            con.execute(
                "INSERT INTO raw.deliveries VALUES (?, ?, ?, ?, ?, ?, 'csv', 'utf-8', ',', ?, 1000, ?, ?, 10, 10, 0, 'loaded', NULL, [])",
                [delivery, name, f"{bron}/{name}", bron, bestand, peildatum, f"{delivery:064x}",
                 f"{peildatum} 02:00:00", f"{peildatum} 02:00:01"],
            )
    lineage = "delivery_id INTEGER, source_file VARCHAR, row_number INTEGER, bron VARCHAR, peildatum DATE"
    con.execute(
        f"""CREATE TABLE raw.gemeente_verblijven ({lineage}, client_id VARCHAR, verblijf_id VARCHAR, v_nummer VARCHAR,
            geboortedatum VARCHAR, geslacht VARCHAR, nationaliteit VARCHAR, samenstelling VARCHAR,
            instroomdatum VARCHAR, herkomst VARCHAR, regiobinding VARCHAR, uitstroomdatum VARCHAR, uitstroomreden VARCHAR)"""
    )
    con.execute(f"CREATE TABLE raw.gemeente_trajecten ({lineage}, client_id VARCHAR, verblijf_id VARCHAR, datum VARCHAR, gebeurtenis VARCHAR)")
    con.execute(
        f"""CREATE TABLE raw.ind_procedures ({lineage}, v_nummer VARCHAR, geboortedatum VARCHAR, geslacht VARCHAR,
            nationaliteit VARCHAR, procedure_id VARCHAR, soort VARCHAR, aanvraagdatum VARCHAR, beslissing VARCHAR, beslisdatum VARCHAR)"""
    )
    con.execute(f"CREATE TABLE raw.ind_maatregelen ({lineage}, v_nummer VARCHAR, maatregel VARCHAR, ingangsdatum VARCHAR, einddatum VARCHAR)")
    con.execute(
        f"""CREATE TABLE raw.dtv_vertrekzaken ({lineage}, v_nummer VARCHAR, geboortedatum VARCHAR, geslacht VARCHAR,
            nationaliteit VARCHAR, zaak_id VARCHAR, startdatum VARCHAR, vertrekdatum VARCHAR, vertrekwijze VARCHAR,
            bestemming VARCHAR, land VARCHAR)"""
    )
    con.execute("CREATE TABLE raw.quarantine (delivery_id INTEGER, file_name VARCHAR, bron VARCHAR, bestand VARCHAR, peildatum DATE, row_number INTEGER, raw_values VARCHAR, reasons VARCHAR[])")
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    rows, events, procedures, departures = [], [], [], []
    for n, s in enumerate(stays):
        name = f"{s.bron}_verblijven_{NEWEST:%Y%m%d}.csv"
        rows.append([1, name, n + 2, s.bron, NEWEST, s.client_id, s.verblijf_id, s.v_nummer, iso(s.geboortedatum),
                     s.geslacht, s.nationaliteit, s.samenstelling, iso(s.instroomdatum), s.herkomst,
                     str(s.regiobinding).lower(), iso(s.uitstroomdatum), s.uitstroomreden])
        for when, what in s.events:
            events.append([1, f"{s.bron}_trajecten_{NEWEST:%Y%m%d}.csv", len(events) + 2, s.bron, NEWEST,
                           s.client_id, s.verblijf_id, iso(when), what])
        if s.v_nummer and s.uitstroomreden == "VERBLIJFSVERGUNNING":
            procedures.append([2, "ind_procedures.csv", len(procedures) + 2, "ind", NEWEST, s.v_nummer,
                               iso(s.geboortedatum), s.geslacht, s.nationaliteit, f"P{n:06d}", "REGULIER",
                               iso(s.instroomdatum), "INWILLIGING", iso(s.uitstroomdatum)])
        if s.v_nummer and s.uitstroomreden in ("TERUGKEER", "DOORMIGRATIE"):
            departures.append([3, "dtv_vertrekzaken.csv", len(departures) + 2, "dtv", NEWEST, s.v_nummer,
                               iso(s.geboortedatum), s.geslacht, s.nationaliteit, f"Z{n:06d}", iso(s.instroomdatum),
                               iso(s.uitstroomdatum), "ZELFSTANDIG_AANTOONBAAR",
                               "HERKOMSTLAND" if s.uitstroomreden == "TERUGKEER" else "DERDE_LAND", s.nationaliteit])
    _insert(con, "raw.gemeente_verblijven", rows)
    if events:
        _insert(con, "raw.gemeente_trajecten", events)
    if procedures:
        _insert(con, "raw.ind_procedures", procedures)
    if departures:
        _insert(con, "raw.dtv_vertrekzaken", departures)
    con.execute(
        """INSERT INTO raw.quarantine VALUES (1, 'utrecht_verblijven_20210201.csv', 'utrecht', 'verblijven',
           DATE '2021-02-01', 99, '{"client_id": "UTR-Q0001", "verblijf_id": "UTR-QV0001", "v_nummer": "3999999999",
           "geboortedatum": "31-12-1977", "geslacht": "Q"}', ['onbekende code geslacht'])"""
    )


def _marts(con: duckdb.DuckDBPyConnection, stays: list[Stay], secret: bytes) -> None:
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_pilot (bron VARCHAR, gemeentecode VARCHAR, gemeente VARCHAR, capaciteit INTEGER, volgorde INTEGER)")
    con.executemany("INSERT INTO marts.dim_pilot VALUES (?, ?, ?, ?, ?)", PILOTS)
    con.execute(
        "CREATE TABLE marts.dim_datum AS SELECT d::DATE AS datum, year(d) AS jaar, quarter(d) AS kwartaal, month(d) AS maand, "
        "strftime(d, '%Y-%m') AS jaar_maand, day(d) = 1 AS is_maandbegin FROM range(DATE '2019-01-01', DATE '2022-01-01', INTERVAL 1 DAY) t(d)"
    )

    def person_key(s: Stay) -> str:
        return pseudonymize(s.v_nummer or f"{s.bron}:{s.client_id}", "persoon", key=secret)

    instroom, uitstroom, scenario, persons = [], [], [], {}
    for s in stays:
        pk = person_key(s)
        vk = pseudonymize(f"{s.bron}:{s.verblijf_id}", "verblijf", key=secret)
        reasons = []
        if s.samenstelling == "GEZIN":
            reasons.append("GEZIN")
        if s.nationaliteit in EU:
            reasons.append("EU_BURGER")
        if not s.regiobinding:
            reasons.append("GEEN_REGIOBINDING")
        in_scope = not reasons
        age = _age(s.geboortedatum, s.instroomdatum)
        instroom.append([vk, pk, s.bron, s.instroomdatum, s.herkomst, s.samenstelling, s.geslacht, s.nationaliteit,
                         age, s.nationaliteit in {"MAR", "DZA", "GEO", "ALB", "MNG"}, in_scope, reasons])
        if s.uitstroomdatum:
            category = CATEGORY_OF_REASON[s.uitstroomreden]
            confirmed = None
            if category == "bestendig_verblijf":
                confirmed = "IND" if s.v_nummer else None
            elif category in ("terugkeer", "doormigratie"):
                confirmed = "DT&V" if s.v_nummer else None
            if category in ("bestendig_verblijf", "terugkeer", "doormigratie") and confirmed is None:
                category = "onbevestigd"
            uitstroom.append([vk, pk, s.bron, s.instroomdatum, s.uitstroomdatum, s.uitstroomreden, category,
                              category in ("bestendig_verblijf", "terugkeer", "doormigratie"),
                              (s.uitstroomdatum - s.instroomdatum).days, in_scope, confirmed,
                              s.nationaliteit if category == "terugkeer" else None, None])
        previous = None
        for when, what in sorted(s.events):
            kind = {"SCENARIO_VERTREK": "vertrek", "SCENARIO_VERBLIJF": "verblijf"}.get(what)
            scenario.append([vk, pk, s.bron, when, what, kind, kind is not None and kind != previous, when, None])
            previous = kind or previous
        p = persons.setdefault(pk, {"s": s, "first": s.instroomdatum, "stays": 0, "pilots": set()})
        p["stays"] += 1
        p["pilots"].add(s.bron)
        p["first"] = min(p["first"], s.instroomdatum)
    con.execute(
        """CREATE TABLE marts.fct_instroom (verblijf_key VARCHAR, persoon_key VARCHAR, bron VARCHAR, instroomdatum DATE,
           herkomst VARCHAR, samenstelling VARCHAR, geslacht VARCHAR, nationaliteit VARCHAR, leeftijd_bij_instroom INTEGER,
           veilig_land BOOLEAN, in_doelgroep BOOLEAN, buiten_doelgroep_redenen VARCHAR[])"""
    )
    _insert(con, "marts.fct_instroom", instroom)
    con.execute(
        """CREATE TABLE marts.fct_uitstroom (verblijf_key VARCHAR, persoon_key VARCHAR, bron VARCHAR, instroomdatum DATE,
           uitstroomdatum DATE, uitstroomreden VARCHAR, uitstroomcategorie VARCHAR, is_bestendige_oplossing BOOLEAN,
           dagen_in_lvv INTEGER, in_doelgroep BOOLEAN, bevestigd_door VARCHAR, vertrekland VARCHAR, afwijking VARCHAR)"""
    )
    _insert(con, "marts.fct_uitstroom", uitstroom)
    con.execute(
        """CREATE TABLE marts.fct_scenario (verblijf_key VARCHAR, persoon_key VARCHAR, bron VARCHAR, datum DATE,
           gebeurtenis VARCHAR, scenario VARCHAR, is_wijziging BOOLEAN, geldig_van DATE, geldig_tot DATE)"""
    )
    if scenario:
        _insert(con, "marts.fct_scenario", scenario)
    con.execute(
        """CREATE TABLE marts.dim_persoon (persoon_key VARCHAR, geslacht VARCHAR, nationaliteit VARCHAR,
           leeftijd_bij_eerste_instroom INTEGER, eerste_instroomdatum DATE, aantal_verblijven INTEGER, aantal_pilots INTEGER,
           eerdere_vertrekprocedures INTEGER, gekoppeld BOOLEAN, koppelmethode VARCHAR)"""
    )
    rng = random.Random(11)
    _insert(
        con, "marts.dim_persoon",
        [[pk, p["s"].geslacht, p["s"].nationaliteit, _age(p["s"].geboortedatum, p["first"]), p["first"], p["stays"],
          len(p["pilots"]), rng.choices([0, 1, 2, 3, 5], weights=[60, 20, 10, 6, 4])[0], p["s"].v_nummer is not None,
          "v_nummer" if p["s"].v_nummer else None] for pk, p in persons.items()],
    )
    con.execute(MONITOR_MACRO)
    con.execute("CREATE TABLE marts.fct_monitor AS SELECT DATE '2020-11-01' AS peildatum, 'nieuwste' AS modus, * FROM marts.monitor_op(DATE '2020-11-01', false)")
    for peildatum in PEILDATA:
        if peildatum != date(2020, 11, 1):
            con.execute(
                f"INSERT INTO marts.fct_monitor SELECT DATE '{peildatum}', 'nieuwste', * FROM marts.monitor_op(DATE '{peildatum}', false)"
            )
