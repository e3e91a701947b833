"""A small synthetic pipeline database, for tests and for trying publish and extract by hand.

`make_pipeline_db(path)` writes a DuckDB file with a tiny raw zone (the raw tables of
docs/architecture.md with the contract's columns, so the output scanner has identifiers to look
for) and a schema `marts` shaped as docs/marts.md describes, computed from that raw zone in
Python: dimensions, facts, `fct_monitor` and the table macro `marts.monitor_op(peildatum,
as_reported)`. It is not the real dbt project: its monitor follows MONITOR.md only roughly
(no linkage, no national confirmation), which is all publishing and extracting need.
Everything in it is made up.

Long (~410 lines) on purpose: the raw zone and every mart derived from it, in the order of
docs/marts.md, so that a mart can be read next to the tables it is computed from.
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


CATEGORY_SQL = """
    CASE
        WHEN {reden} = 'VERBLIJFSVERGUNNING' THEN
            CASE WHEN {inwilliging} IS NOT NULL THEN 'bestendig_verblijf' ELSE 'onbevestigd' END
        WHEN {reden} IN ('TERUGKEER', 'DOORMIGRATIE', 'MOB') THEN
            coalesce({vertrek}, CASE WHEN {reden} = 'MOB' THEN 'mob' ELSE 'onbevestigd' END)
        WHEN {reden} = 'ASIELAANVRAAG' THEN 'asielaanvraag_azc'
        WHEN {reden} = 'UITSTEL_VERTREK_ART64' THEN 'uitstel_art64'
        WHEN {reden} = 'BBB' THEN 'terug_bbb'
        WHEN {reden} = 'GEDWONGEN_BEEINDIGD' THEN 'gedwongen_beeindigd'
        WHEN {reden} = 'OVERIG' THEN 'overig'
    END
"""
CATEGORIES = [
    "bestendig_verblijf", "terugkeer", "doormigratie", "asielaanvraag_azc", "uitstel_art64", "mob",
    "terug_bbb", "gedwongen_beeindigd", "onbevestigd", "overig",
]

# A simplified monitor_op with the real one's signature and columns (peildatum, modus, then
# MONITOR.md's columns): newest state only, persons distinct per pilot and nationally.
MONITOR_MACRO = (
    """
CREATE OR REPLACE MACRO marts.monitor_op(p, as_reported) AS TABLE
WITH v AS (
    SELECT * FROM marts.fct_monitor_verblijven WHERE kennisstand = 'nieuwste' AND instroomdatum <= p
), b AS (
    SELECT verblijf_key,
           min(datum) FILTER (WHERE soort_bewijs = 'inwilliging') AS inwilliging,
           arg_max(uitkomst, datum) FILTER (WHERE soort_bewijs = 'vertrek') AS vertrek
    FROM marts.fct_monitor_bewijs WHERE kennisstand = 'nieuwste' AND datum <= p GROUP BY verblijf_key
), ended AS (
    SELECT v.bron, v.verblijf_key, """ + CATEGORY_SQL.format(reden="v.uitstroomreden", inwilliging="b.inwilliging", vertrek="b.vertrek") + """ AS categorie
    FROM v LEFT JOIN b USING (verblijf_key) WHERE v.in_doelgroep AND v.uitstroomdatum <= p
), present AS (
    SELECT * FROM v WHERE in_doelgroep AND (uitstroomdatum IS NULL OR uitstroomdatum > p)
), sc AS (
    SELECT present.bron, present.persoon_key,
           coalesce(arg_max(g.gebeurtenis, g.datum) FILTER (WHERE g.gebeurtenis LIKE 'SCENARIO_%'), 'GEEN') AS scenario
    FROM present LEFT JOIN marts.fct_monitor_gebeurtenissen g
      ON g.kennisstand = 'nieuwste' AND g.verblijf_key = present.verblijf_key AND g.datum <= p
    GROUP BY ALL
), mrt AS (
    SELECT DISTINCT v.bron, v.persoon_key FROM v JOIN marts.fct_monitor_gebeurtenissen g
      ON g.kennisstand = 'nieuwste' AND g.verblijf_key = v.verblijf_key AND g.gebeurtenis = 'MRT_ADVIES' AND g.datum <= p
    WHERE v.in_doelgroep
), persons AS (
    SELECT bron, count(DISTINCT persoon_key) FILTER (WHERE in_doelgroep) AS ooit_opgevangen,
           count(DISTINCT persoon_key) FILTER (WHERE NOT in_doelgroep) AS buiten_doelgroep
    FROM v GROUP BY GROUPING SETS ((bron), ())
), pres AS (
    SELECT bron, count(DISTINCT persoon_key) AS aanwezig FROM present GROUP BY GROUPING SETS ((bron), ())
), outflow AS (
    SELECT bron, """ + ", ".join(f"count(*) FILTER (WHERE categorie = '{c}') AS {c}" for c in CATEGORIES) + """
    FROM ended GROUP BY GROUPING SETS ((bron), ())
), scen AS (
    SELECT bron, count(DISTINCT persoon_key) FILTER (WHERE scenario = 'SCENARIO_VERTREK') AS scenario_vertrek,
           count(DISTINCT persoon_key) FILTER (WHERE scenario = 'SCENARIO_VERBLIJF') AS scenario_verblijf,
           count(DISTINCT persoon_key) FILTER (WHERE scenario = 'GEEN') AS scenario_geen
    FROM sc GROUP BY GROUPING SETS ((bron), ())
), m AS (
    SELECT bron, count(DISTINCT persoon_key) AS mrt_besproken FROM mrt GROUP BY GROUPING SETS ((bron), ())
), rows_ AS (
    SELECT bron, gemeente, capaciteit, volgorde FROM marts.dim_pilot
    UNION ALL SELECT NULL, 'totaal', (SELECT sum(capaciteit) FROM marts.dim_pilot), 99
)
SELECT CAST(p AS DATE) AS peildatum, CASE WHEN as_reported THEN 'zoals_gerapporteerd' ELSE 'nieuwste' END AS modus,
       r.gemeente, r.capaciteit,
       coalesce(persons.ooit_opgevangen, 0) AS ooit_opgevangen, coalesce(pres.aanwezig, 0) AS aanwezig,
       """ + ", ".join(f"coalesce(outflow.{c}, 0) AS {c}" for c in CATEGORIES) + """,
       coalesce(outflow.bestendig_verblijf + outflow.terugkeer + outflow.doormigratie, 0) AS bestendig_totaal,
       coalesce(scen.scenario_vertrek, 0) AS scenario_vertrek, coalesce(scen.scenario_verblijf, 0) AS scenario_verblijf,
       coalesce(scen.scenario_geen, 0) AS scenario_geen, coalesce(m.mrt_besproken, 0) AS mrt_besproken,
       coalesce(persons.buiten_doelgroep, 0) AS buiten_doelgroep
FROM rows_ r
LEFT JOIN persons ON persons.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN pres ON pres.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN outflow ON outflow.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN scen ON scen.bron IS NOT DISTINCT FROM r.bron
LEFT JOIN m ON m.bron IS NOT DISTINCT FROM r.bron
ORDER BY r.volgorde
"""
)


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
    rng = random.Random(11)
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_pilot (bron VARCHAR, gemeentecode VARCHAR, gemeente VARCHAR, capaciteit INTEGER, volgorde INTEGER)")
    _insert(con, "marts.dim_pilot", [list(p) for p in PILOTS])
    con.execute(
        "CREATE TABLE marts.dim_datum AS SELECT CAST(d AS DATE) AS datum, year(d) AS jaar, quarter(d) AS kwartaal, "
        "month(d) AS maand, strftime(d, '%Y-%m') AS jaar_maand, day(d) = 1 AS is_maandbegin "
        "FROM range(DATE '2019-01-01', DATE '2022-01-01', INTERVAL 1 DAY) t(d)"
    )
    con.execute("CREATE TABLE marts.dim_monitor_kennisstanden (kennisstand VARCHAR, tot_en_met DATE)")
    _insert(con, "marts.dim_monitor_kennisstanden",
            [[d.isoformat(), d] for d in PEILDATA] + [["nieuwste", date(9999, 12, 31)]])

    def person_key(s: Stay) -> str:
        return pseudonymize(s.v_nummer or f"{s.bron}:{s.client_id}", "persoon", key=secret)

    instroom, verblijven, bewijs, events, scenario, persons = [], [], [], [], [], {}
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
        instroom.append([vk, pk, s.bron, s.instroomdatum, s.herkomst, s.samenstelling, s.geslacht, s.nationaliteit,
                         _age(s.geboortedatum, s.instroomdatum), s.nationaliteit in {"MAR", "DZA", "GEO", "ALB", "MNG"},
                         in_scope, reasons])
        verblijven.append(["nieuwste", vk, pk, s.bron, s.instroomdatum, s.uitstroomdatum, s.uitstroomreden, in_scope])
        if s.v_nummer and s.uitstroomdatum:
            lag = timedelta(days=rng.randrange(-10, 25))  # national records may come after the uitstroom
            if s.uitstroomreden == "VERBLIJFSVERGUNNING":
                bewijs.append(["nieuwste", vk, "inwilliging", s.uitstroomdatum + lag, None])
            elif s.uitstroomreden in ("TERUGKEER", "DOORMIGRATIE"):
                outcome = "terugkeer" if s.uitstroomreden == "TERUGKEER" else "doormigratie"
                bewijs.append(["nieuwste", vk, "vertrek", s.uitstroomdatum + lag, outcome])
        previous = None
        for when, what in sorted(s.events):
            events.append(["nieuwste", vk, when, what])
            kind = {"SCENARIO_VERTREK": "vertrek", "SCENARIO_VERBLIJF": "verblijf"}.get(what)
            scenario.append([vk, pk, s.bron, when, what, kind, kind is not None and kind != previous, when, None])
            previous = kind or previous
        p = persons.setdefault(pk, {"s": s, "first": s.instroomdatum, "stays": 0, "pilots": set()})
        p["stays"] += 1
        p["pilots"].add(s.bron)
        p["first"] = min(p["first"], s.instroomdatum)

    con.execute(
        """CREATE TABLE marts.fct_monitor_verblijven (kennisstand VARCHAR, verblijf_key VARCHAR, persoon_key VARCHAR,
           bron VARCHAR, instroomdatum DATE, uitstroomdatum DATE, uitstroomreden VARCHAR, in_doelgroep BOOLEAN)"""
    )
    _insert(con, "marts.fct_monitor_verblijven", verblijven)
    con.execute("CREATE TABLE marts.fct_monitor_bewijs (kennisstand VARCHAR, verblijf_key VARCHAR, soort_bewijs VARCHAR, datum DATE, uitkomst VARCHAR)")
    _insert(con, "marts.fct_monitor_bewijs", bewijs)
    con.execute("CREATE TABLE marts.fct_monitor_gebeurtenissen (kennisstand VARCHAR, verblijf_key VARCHAR, datum DATE, gebeurtenis VARCHAR)")
    _insert(con, "marts.fct_monitor_gebeurtenissen", events)
    con.execute(
        """CREATE TABLE marts.fct_instroom (verblijf_key VARCHAR, persoon_key VARCHAR, bron VARCHAR, instroomdatum DATE,
           herkomst VARCHAR, samenstelling VARCHAR, geslacht VARCHAR, nationaliteit VARCHAR, leeftijd_bij_instroom INTEGER,
           veilig_land BOOLEAN, in_doelgroep BOOLEAN, buiten_doelgroep_redenen VARCHAR[])"""
    )
    _insert(con, "marts.fct_instroom", instroom)
    con.execute(
        """CREATE TABLE marts.fct_uitstroom AS
           WITH b AS (
               SELECT verblijf_key, min(datum) FILTER (WHERE soort_bewijs = 'inwilliging') AS inwilliging,
                      arg_max(uitkomst, datum) FILTER (WHERE soort_bewijs = 'vertrek') AS vertrek
               FROM marts.fct_monitor_bewijs WHERE kennisstand = 'nieuwste' GROUP BY verblijf_key
           ), c AS (
               SELECT v.*, """ + CATEGORY_SQL.format(reden="v.uitstroomreden", inwilliging="b.inwilliging", vertrek="b.vertrek") + """ AS categorie,
                      CASE WHEN b.inwilliging IS NOT NULL THEN 'IND' WHEN b.vertrek IS NOT NULL THEN 'DT&V' END AS bevestigd_door
               FROM marts.fct_monitor_verblijven v LEFT JOIN b USING (verblijf_key)
               WHERE v.kennisstand = 'nieuwste' AND v.uitstroomdatum IS NOT NULL
           )
           SELECT verblijf_key, persoon_key, bron, instroomdatum, uitstroomdatum, uitstroomreden,
                  categorie AS uitstroomcategorie,
                  categorie IN ('bestendig_verblijf', 'terugkeer', 'doormigratie') AS is_bestendige_oplossing,
                  date_diff('day', instroomdatum, uitstroomdatum) AS dagen_in_lvv, in_doelgroep, bevestigd_door,
                  CAST(NULL AS VARCHAR) AS vertrekland, CAST(NULL AS VARCHAR) AS afwijking
           FROM c ORDER BY uitstroomdatum, verblijf_key"""
    )
    con.execute(
        """CREATE TABLE marts.fct_scenario (verblijf_key VARCHAR, persoon_key VARCHAR, bron VARCHAR, datum DATE,
           gebeurtenis VARCHAR, scenario VARCHAR, is_wijziging BOOLEAN, geldig_van DATE, geldig_tot DATE)"""
    )
    _insert(con, "marts.fct_scenario", scenario)
    con.execute(
        """CREATE TABLE marts.dim_persoon (persoon_key VARCHAR, geslacht VARCHAR, nationaliteit VARCHAR,
           leeftijd_bij_eerste_instroom INTEGER, eerste_instroomdatum DATE, aantal_verblijven INTEGER, aantal_pilots INTEGER,
           eerdere_vertrekprocedures INTEGER, gekoppeld BOOLEAN, koppelmethode VARCHAR)"""
    )
    _insert(
        con, "marts.dim_persoon",
        [[pk, p["s"].geslacht, p["s"].nationaliteit, _age(p["s"].geboortedatum, p["first"]), p["first"], p["stays"],
          len(p["pilots"]),
          rng.choices([0, 1, 2, 3, 5], weights=[60, 20, 10, 6, 4])[0] if p["s"].v_nummer else None,
          p["s"].v_nummer is not None, "v_nummer" if p["s"].v_nummer else None] for pk, p in persons.items()],
    )
    con.execute(MONITOR_MACRO)
    selects = " UNION ALL ".join(
        f"SELECT * FROM marts.monitor_op(DATE '{d.isoformat()}', false)" for d in PEILDATA
    )
    con.execute(f"CREATE TABLE marts.fct_monitor AS {selects}")
