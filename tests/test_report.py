"""The monitor report (issue 7): data, HTML structure, CLI, and a real headless browser.

The report reads only the published file. `build_sample_marts` makes a small synthetic one that
follows docs/marts.md (tables, columns, the `monitor_op` macro and `fct_monitor`), so these tests
do not depend on the dbt build. When a real published file exists (env LVV_REPORT_DB, or
./data/warehouse/monitor.duckdb), one more test renders the report from it.

The browser test drives Debian's chromium over the DevTools protocol: it loads the report from a
file:// URL with the network closed, collects JavaScript exceptions and console errors, checks in
the rendered page that every table and chart is there and has a size, prints it to PDF (the print
stylesheet) and keeps a screenshot in test-artifacts/report.png.

Long (~760 lines) on purpose: the sample marts, the rendered report and the browser session are
module fixtures built once and shared by every test here; split, each part would build them again.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import re
import shutil
import subprocess
import tempfile
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pandas as pd
import pytest

from pipelines.report import build_report, default_report_path, newest_peildatum, write_report, write_warehouse_report
from pipelines.report.command import register
from pipelines.report.data import ReportDataError, kies_vorige, load_report_data

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

PILOTS = [  # bron, gemeentecode, gemeente, capaciteit, volgorde, persons in the sample
    ("amsterdam", "GM0363", "Amsterdam", 360, 1, 330),
    ("rotterdam", "GM0599", "Rotterdam", 117, 2, 150),
    ("utrecht", "GM0344", "Utrecht", 235, 3, 210),
    ("groningen", "GM0014", "Groningen", 300, 4, 230),
    ("eindhoven", "GM0772", "Eindhoven", 130, 5, 90),
]
LEVERINGEN = [date(2019, 7, 1), date(2019, 10, 1), date(2020, 1, 1), date(2020, 4, 1),
              date(2020, 7, 1), date(2020, 11, 1), date(2021, 2, 1)]
START, EINDE = date(2019, 4, 1), date(2021, 2, 1)
CATEGORIEEN = {  # category: (weight, municipal uitstroomreden)
    "bestendig_verblijf": (9, "VERBLIJFSVERGUNNING"), "terugkeer": (10, "TERUGKEER"),
    "doormigratie": (2, "DOORMIGRATIE"), "asielaanvraag_azc": (30, "ASIELAANVRAAG"),
    "uitstel_art64": (5, "UITSTEL_VERTREK_ART64"), "mob": (18, "MOB"), "terug_bbb": (2, "BBB"),
    "gedwongen_beeindigd": (15, "GEDWONGEN_BEEINDIGD"), "onbevestigd": (5, "TERUGKEER"), "overig": (7, "OVERIG"),
}
LANDEN = [("AFG", "Afghanistan"), ("ALB", "Albanië"), ("DZA", "Algerije"), ("ERI", "Eritrea"),
          ("GEO", "Georgië"), ("IRN", "Iran"), ("IRQ", "Irak"), ("MAR", "Marokko"), ("NGA", "Nigeria"),
          ("SYR", "Syrië"), ("TUN", "Tunesië"), ("POL", "Polen"), ("ROU", "Roemenië"), ("DEU", "Duitsland"),
          ("BIH", "Bosnië en Herzegovina"), ("MKD", "Noord-Macedonië"), ("SOM", "Somalië")]
EU = {"POL", "ROU", "DEU"}
VEILIG = {"ALB", "DZA", "GEO", "MAR", "TUN", "BIH", "MKD"}


# ---------------------------------------------------------------------------------------------
# A synthetic published file, exactly as docs/marts.md describes it


MONITOR_MACRO = """
CREATE OR REPLACE MACRO marts.monitor_op(p, as_reported) AS TABLE
WITH k AS (
    SELECT CASE WHEN as_reported THEN coalesce((
        SELECT max(kennisstand) FROM marts.fct_monitor_verblijven
        WHERE kennisstand <> 'nieuwste' AND TRY_CAST(kennisstand AS DATE) <= p), 'geen')
        ELSE 'nieuwste' END AS k
),
v AS (SELECT v.* FROM marts.fct_monitor_verblijven v, k WHERE v.kennisstand = k.k AND v.instroomdatum <= p),
g AS (SELECT e.* FROM marts.fct_monitor_gebeurtenissen e, k WHERE e.kennisstand = k.k AND e.datum <= p),
sc AS (SELECT verblijf_key, arg_max(gebeurtenis, datum) AS laatste FROM g
       WHERE gebeurtenis LIKE 'SCENARIO_%' GROUP BY verblijf_key),
mrt AS (SELECT DISTINCT bron, persoon_key FROM g WHERE gebeurtenis = 'MRT_ADVIES'),
s AS (
    SELECT v.bron, v.persoon_key, v.in_doelgroep,
           (v.uitstroomdatum IS NULL OR v.uitstroomdatum > p) AS aanwezig,
           CASE WHEN v.uitstroomdatum <= p THEN v.uitstroomcategorie END AS cat,
           sc.laatste, mrt.persoon_key IS NOT NULL AS mrt
    FROM v LEFT JOIN sc USING (verblijf_key)
    LEFT JOIN mrt ON mrt.bron = v.bron AND mrt.persoon_key = v.persoon_key
),
cap AS (
    SELECT coalesce(gemeente, 'totaal') AS gemeente, CASE WHEN grouping(gemeente) = 1 THEN 99 ELSE min(volgorde) END AS volgorde,
           sum(capaciteit) AS capaciteit
    FROM marts.dim_pilot GROUP BY GROUPING SETS ((gemeente), ())
),
agg AS (
    SELECT coalesce(d.gemeente, 'totaal') AS gemeente,
        count(DISTINCT s.persoon_key) FILTER (WHERE s.in_doelgroep) AS ooit_opgevangen,
        count(DISTINCT s.persoon_key) FILTER (WHERE s.in_doelgroep AND s.aanwezig) AS aanwezig,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'bestendig_verblijf') AS bestendig_verblijf,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'terugkeer') AS terugkeer,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'doormigratie') AS doormigratie,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'asielaanvraag_azc') AS asielaanvraag_azc,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'uitstel_art64') AS uitstel_art64,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'mob') AS mob,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'terug_bbb') AS terug_bbb,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'gedwongen_beeindigd') AS gedwongen_beeindigd,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'onbevestigd') AS onbevestigd,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat = 'overig') AS overig,
        count(*) FILTER (WHERE s.in_doelgroep AND s.cat IN ('bestendig_verblijf', 'terugkeer', 'doormigratie')) AS bestendig_totaal,
        count(DISTINCT s.persoon_key) FILTER (WHERE s.in_doelgroep AND s.aanwezig AND s.laatste = 'SCENARIO_VERTREK') AS scenario_vertrek,
        count(DISTINCT s.persoon_key) FILTER (WHERE s.in_doelgroep AND s.aanwezig AND s.laatste = 'SCENARIO_VERBLIJF') AS scenario_verblijf,
        count(DISTINCT s.persoon_key) FILTER (WHERE s.in_doelgroep AND s.aanwezig AND s.laatste IS NULL) AS scenario_geen,
        count(DISTINCT s.persoon_key) FILTER (WHERE s.in_doelgroep AND s.mrt) AS mrt_besproken,
        count(DISTINCT s.persoon_key) FILTER (WHERE NOT s.in_doelgroep) AS buiten_doelgroep
    FROM marts.dim_pilot d LEFT JOIN s ON s.bron = d.bron
    GROUP BY GROUPING SETS ((d.gemeente), ())
)
SELECT cap.gemeente, cap.capaciteit, agg.* EXCLUDE (gemeente)
FROM cap JOIN agg USING (gemeente)
ORDER BY cap.volgorde
"""


def _sample_population(seed: int) -> tuple[list[dict], list[dict]]:
    """Stays and trajectory events of a small synthetic population (about 1,000 persons)."""
    rnd = random.Random(seed)
    stays, events = [], []
    cats = list(CATEGORIEEN)
    weights = [CATEGORIEEN[c][0] for c in cats]
    n = 0
    for bron, _, _, _, _, persons in PILOTS:
        for _ in range(persons):
            n += 1
            key = f"{n:016x}"
            if rnd.random() < 0.35:
                instroom = START + timedelta(days=rnd.randrange(0, 91))  # over from the BBB
                herkomst = "BBB"
            else:
                instroom = START + timedelta(days=rnd.randrange(0, (EINDE - START).days - 20))
                herkomst = "NIEUW"
            land, _ = rnd.choice(LANDEN)
            redenen = []
            gezin = bron == "utrecht" and rnd.random() < 0.1
            if gezin:
                redenen.append("GEZIN")
            if land in EU:
                redenen.append("EU_BURGER")
            if rnd.random() < 0.015:
                redenen.append(rnd.choice(["DUBLINCLAIM", "INREISVERBOD_ZWAAR", "GEEN_REGIOBINDING", "RIJKSOPVANG"]))
            duur = int(rnd.expovariate(1 / 380)) + 7
            uit = instroom + timedelta(days=duur)
            cat = reden = None
            if uit >= EINDE:
                uit = None
            else:
                cat = rnd.choices(cats, weights)[0]
                reden = CATEGORIEEN[cat][1]
            bevestigd = {"bestendig_verblijf": "IND", "terugkeer": "DT&V", "doormigratie": "DT&V"}.get(cat)
            vertrekland = land if cat == "terugkeer" else ("DEU" if cat == "doormigratie" else None)
            afwijking = None
            if cat == "asielaanvraag_azc" and rnd.random() < 0.06:
                afwijking = "asielaanvraag_niet_bevestigd"
            elif cat == "onbevestigd":
                afwijking = "vertrek_niet_bevestigd"
            # the municipality reports some outflows one delivery late
            gemeld = uit + timedelta(days=rnd.choice([5, 5, 5, 120])) if uit else None
            stays.append(dict(
                verblijf_key=f"v{key[1:]}", persoon_key=key, bron=bron, instroomdatum=instroom,
                herkomst=herkomst, samenstelling="GEZIN" if gezin else "ALLEENSTAAND",
                geslacht=rnd.choice("MMMV"), nationaliteit=land, leeftijd_bij_instroom=rnd.randrange(19, 60),
                veilig_land=land in VEILIG, in_doelgroep=not redenen, buiten_doelgroep_redenen=redenen,
                uitstroomdatum=uit, uitstroomreden=reden, uitstroomcategorie=cat, bevestigd_door=bevestigd,
                vertrekland=vertrekland, afwijking=afwijking, gemeld=gemeld,
            ))
            # trajectory: a scenario after 1-5 months, sometimes changed; some MRT cases
            eind = uit or EINDE
            d = instroom + timedelta(days=rnd.randrange(20, 150))
            if d < eind and rnd.random() < 0.8:
                sc = "SCENARIO_VERTREK" if rnd.random() < 0.5 else "SCENARIO_VERBLIJF"
                events.append(dict(verblijf_key=f"v{key[1:]}", persoon_key=key, bron=bron, datum=d, gebeurtenis=sc))
                d2 = d + timedelta(days=rnd.randrange(60, 300))
                if d2 < eind and rnd.random() < 0.25:
                    other = "SCENARIO_VERBLIJF" if sc == "SCENARIO_VERTREK" else "SCENARIO_VERTREK"
                    events.append(dict(verblijf_key=f"v{key[1:]}", persoon_key=key, bron=bron, datum=d2, gebeurtenis=other))
            if rnd.random() < 0.03:
                m = instroom + timedelta(days=rnd.randrange(60, 400))
                if m < eind - timedelta(days=30):
                    events.append(dict(verblijf_key=f"v{key[1:]}", persoon_key=key, bron=bron, datum=m, gebeurtenis="MRT_AANGEMELD"))
                    events.append(dict(verblijf_key=f"v{key[1:]}", persoon_key=key, bron=bron,
                                       datum=m + timedelta(days=25), gebeurtenis="MRT_ADVIES"))
    return stays, events


def add_optional_tables(path: Path, *, afwijkingen: bool = False, demo: bool | None = None) -> Path:
    """Add the tables that may exist later: `fct_afwijkingen` and `publicatie` (is_demo, peildatum)."""
    con = duckdb.connect(str(path))
    try:
        if afwijkingen:
            con.execute("""CREATE TABLE marts.fct_afwijkingen AS
                SELECT bron, 'buiten_doelgroep_' || lower(buiten_doelgroep_redenen[1]) AS soort, 'waarschuwing' AS ernst,
                       persoon_key, verblijf_key, instroomdatum AS sinds
                FROM marts.fct_instroom WHERE NOT in_doelgroep
                UNION ALL
                (SELECT bron, 'uitstroom_voor_instroom', 'fout', persoon_key, verblijf_key, DATE '2020-06-01'
                 FROM marts.fct_instroom WHERE bron = 'rotterdam' ORDER BY verblijf_key LIMIT 3)""")
        if demo is not None:  # as pipelines/publish writes them
            con.execute("""CREATE TABLE marts.publicatie AS SELECT ? AS is_demo, TIMESTAMP '2021-02-02 01:05:00' AS published_at,
                'abc1234' AS code_version, DATE '2021-02-01' AS nieuwste_peildatum, 35 AS aantal_leveringen,
                ['fct_monitor'] AS tabellen, ['monitor_op'] AS macros, 'DEMO' AS toelichting""", [demo])
            con.execute("""CREATE TABLE marts.publicatie_leveringen AS
                SELECT row_number() OVER () AS delivery_id, bron || '_' || bestand || '_' || strftime(p, '%Y%m%d') || '.csv' AS file_name,
                       bron, bestand, p AS peildatum, 'sha' AS sha256, TIMESTAMP '2021-02-02' AS received_at,
                       100 AS rows_loaded, p = DATE '2021-02-01' AS in_nieuwste_stand
                FROM (SELECT bron, unnest(['verblijven', 'trajecten']) AS bestand FROM marts.dim_pilot
                      UNION ALL VALUES ('ind', 'procedures'), ('ind', 'maatregelen'), ('dtv', 'vertrekzaken')),
                     (SELECT unnest(?) AS p)""", [LEVERINGEN])
    finally:
        con.close()
    return path


def build_sample_marts(path: Path, *, seed: int = 7) -> Path:
    """Write a synthetic published file with the marts of docs/marts.md to `path`."""
    stays, events = _sample_population(seed)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.dim_pilot (bron VARCHAR, gemeentecode VARCHAR, gemeente VARCHAR, "
                    "capaciteit INTEGER, volgorde INTEGER)")
        con.executemany("INSERT INTO marts.dim_pilot VALUES (?, ?, ?, ?, ?)", [p[:5] for p in PILOTS])
        con.execute("CREATE TABLE marts.dim_land (iso3 VARCHAR, naam_nl VARCHAR, eu_lid_2020 BOOLEAN, "
                    "veilig_land_van_herkomst BOOLEAN)")
        con.executemany("INSERT INTO marts.dim_land VALUES (?, ?, ?, ?)",
                        [(c, nm, c in EU, c in VEILIG) for c, nm in LANDEN])
        con.execute("""CREATE TABLE marts.dim_datum AS
            SELECT CAST(d AS DATE) AS datum, year(d) AS jaar, quarter(d) AS kwartaal, month(d) AS maand,
                   strftime(d, '%Y-%m') AS jaar_maand, day(d) = 1 AS is_maandbegin
            FROM generate_series(TIMESTAMP '2019-01-01', TIMESTAMP '2021-12-31', INTERVAL 1 DAY) t(d)""")
        stays_df = pd.DataFrame(stays)
        events_df = pd.DataFrame(events)
        con.register("stays_df", stays_df)
        con.register("events_df", events_df)
        con.execute("""CREATE TABLE stays AS SELECT * REPLACE (
                CAST(instroomdatum AS DATE) AS instroomdatum, CAST(uitstroomdatum AS DATE) AS uitstroomdatum,
                CAST(gemeld AS DATE) AS gemeld, CAST(buiten_doelgroep_redenen AS VARCHAR[]) AS buiten_doelgroep_redenen,
                CAST(leeftijd_bij_instroom AS INTEGER) AS leeftijd_bij_instroom)
            FROM stays_df""")
        con.execute("CREATE TABLE ev AS SELECT * REPLACE (CAST(datum AS DATE) AS datum) FROM events_df")
        con.unregister("stays_df")
        con.unregister("events_df")
        con.execute("""CREATE TABLE marts.dim_persoon AS
            SELECT persoon_key, any_value(geslacht) AS geslacht, any_value(nationaliteit) AS nationaliteit,
                   min(leeftijd_bij_instroom) AS leeftijd_bij_eerste_instroom, min(instroomdatum) AS eerste_instroomdatum,
                   count(*) AS aantal_verblijven, count(DISTINCT bron) AS aantal_pilots, 0 AS eerdere_vertrekprocedures,
                   true AS gekoppeld, 'v_nummer' AS koppelmethode
            FROM stays GROUP BY persoon_key""")
        con.execute("""CREATE TABLE marts.fct_instroom AS
            SELECT verblijf_key, persoon_key, bron, instroomdatum, herkomst, samenstelling, geslacht, nationaliteit,
                   leeftijd_bij_instroom, veilig_land, in_doelgroep, buiten_doelgroep_redenen FROM stays""")
        con.execute("""CREATE TABLE marts.fct_uitstroom AS
            SELECT verblijf_key, persoon_key, bron, instroomdatum, uitstroomdatum, uitstroomreden, uitstroomcategorie,
                   uitstroomcategorie IN ('bestendig_verblijf', 'terugkeer', 'doormigratie') AS is_bestendige_oplossing,
                   datediff('day', instroomdatum, uitstroomdatum) AS dagen_in_lvv, in_doelgroep, bevestigd_door,
                   vertrekland, afwijking
            FROM stays WHERE uitstroomdatum IS NOT NULL""")
        con.execute("""CREATE TABLE marts.fct_scenario AS
            SELECT verblijf_key, persoon_key, bron, datum, gebeurtenis,
                   CASE gebeurtenis WHEN 'SCENARIO_VERTREK' THEN 'vertrek' WHEN 'SCENARIO_VERBLIJF' THEN 'verblijf' END AS scenario,
                   gebeurtenis LIKE 'SCENARIO_%' AND count(*) FILTER (WHERE gebeurtenis LIKE 'SCENARIO_%')
                       OVER (PARTITION BY verblijf_key ORDER BY datum ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > 0 AS is_wijziging,
                   CASE WHEN gebeurtenis LIKE 'SCENARIO_%' THEN datum END AS geldig_van,
                   NULL::DATE AS geldig_tot
            FROM ev""")
        con.execute("""CREATE TABLE marts.fct_bezetting AS
            SELECT d.datum, p.bron,
                   count(s.persoon_key) AS aanwezig,
                   count(s.persoon_key) FILTER (WHERE s.in_doelgroep) AS aanwezig_in_doelgroep,
                   count(s.persoon_key) FILTER (WHERE NOT s.in_doelgroep) AS aanwezig_buiten_doelgroep,
                   p.capaciteit,
                   count(s.persoon_key) / p.capaciteit AS bezettingsgraad,
                   count(s.persoon_key) > p.capaciteit AS boven_capaciteit
            FROM marts.dim_datum d CROSS JOIN marts.dim_pilot p
            LEFT JOIN stays s ON s.bron = p.bron AND s.instroomdatum <= d.datum
                 AND (s.uitstroomdatum IS NULL OR s.uitstroomdatum > d.datum)
            WHERE d.datum BETWEEN DATE '2019-04-01' AND DATE '2021-02-01'
            GROUP BY d.datum, p.bron, p.capaciteit""")
        # The per-kennisstand basis: in a delivery at K, a stay is known when it started before K,
        # and its outflow when the municipality had reported it by K.
        con.execute("CREATE TABLE marts.fct_monitor_verblijven (kennisstand VARCHAR, bron VARCHAR, persoon_key VARCHAR, "
                    "verblijf_key VARCHAR, instroomdatum DATE, uitstroomdatum DATE, uitstroomcategorie VARCHAR, in_doelgroep BOOLEAN)")
        con.execute("CREATE TABLE marts.fct_monitor_gebeurtenissen (kennisstand VARCHAR, bron VARCHAR, persoon_key VARCHAR, "
                    "verblijf_key VARCHAR, datum DATE, gebeurtenis VARCHAR)")
        con.execute("CREATE TABLE marts.fct_monitor_vertrekken (kennisstand VARCHAR, persoon_key VARCHAR, vertrekdatum DATE)")
        for k in [d.isoformat() for d in LEVERINGEN] + ["nieuwste"]:
            cond = "TRUE" if k == "nieuwste" else f"instroomdatum < DATE '{k}'"
            known = "TRUE" if k == "nieuwste" else f"gemeld < DATE '{k}'"
            con.execute(f"""INSERT INTO marts.fct_monitor_verblijven
                SELECT '{k}', bron, persoon_key, verblijf_key, instroomdatum,
                       CASE WHEN {known} THEN uitstroomdatum END, CASE WHEN {known} THEN uitstroomcategorie END, in_doelgroep
                FROM stays WHERE {cond}""")
            econd = "TRUE" if k == "nieuwste" else f"datum < DATE '{k}'"
            con.execute(f"INSERT INTO marts.fct_monitor_gebeurtenissen SELECT '{k}', bron, persoon_key, verblijf_key, datum, "
                        f"gebeurtenis FROM ev WHERE {econd}")
        con.execute("""CREATE TABLE marts.dim_monitor_kennisstanden AS
            SELECT DISTINCT kennisstand, coalesce(TRY_CAST(kennisstand AS DATE), DATE '9999-12-31') AS tot_en_met
            FROM marts.fct_monitor_verblijven ORDER BY tot_en_met""")
        con.execute(MONITOR_MACRO)
        peildata = sorted({d.date() for (d,) in con.execute(
            "SELECT * FROM generate_series(TIMESTAMP '2019-04-01', TIMESTAMP '2021-02-01', INTERVAL 1 MONTH)").fetchall()}
            | set(LEVERINGEN))
        first = True
        for p in peildata:
            # (the sample keeps `zoals_gerapporteerd` to the delivery peildata: the report reads the macro for it)
            for modus, rep in (("nieuwste", "false"), ("zoals_gerapporteerd", "true"))[:1 + (p in LEVERINGEN)]:
                select = (f"SELECT DATE '{p.isoformat()}' AS peildatum, '{modus}' AS modus, * "
                          f"FROM marts.monitor_op(DATE '{p.isoformat()}', {rep})")
                con.execute(("CREATE TABLE marts.fct_monitor AS " if first else "INSERT INTO marts.fct_monitor ") + select)
                first = False
        con.execute("DROP TABLE stays")
        con.execute("DROP TABLE ev")
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    """The marts of docs/marts.md, without the optional tables."""
    return build_sample_marts(tmp_path_factory.mktemp("wh") / "monitor.duckdb")


@pytest.fixture(scope="module")
def sample_db_full(sample_db, tmp_path_factory) -> Path:
    """The same, plus `fct_afwijkingen` and `publicatie` marking it as demo."""
    path = tmp_path_factory.mktemp("wh2") / "monitor.duckdb"
    shutil.copyfile(sample_db, path)
    return add_optional_tables(path, afwijkingen=True, demo=True)


@pytest.fixture(scope="module")
def report_html(sample_db) -> str:
    return build_report(sample_db, date(2020, 11, 1))


# ---------------------------------------------------------------------------------------------
# HTML structure


class Structure(HTMLParser):
    """Collects what the checks need: tables and their parts, svgs, external references, ids."""

    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.svgs = 0
        self.svg_with_title = 0
        self.external = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.scripts_src = 0
        self.details = 0
        self._in_svg = 0
        self._stack = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        for attr in ("src", "href", "xlink:href", "action", "poster", "data"):
            v = a.get(attr)
            if v and re.match(r"^\s*(https?:)?//", v):
                self.external.append((tag, attr, v))
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "link":
            self.external.append(("link", "href", a.get("href")))
        if tag == "script" and a.get("src"):
            self.scripts_src += 1
        if tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        elif tag == "svg":
            self.svgs += 1
            if a.get("role") == "img" and a.get("aria-labelledby"):
                self.svg_with_title += 1
        elif tag == "details":
            self.details += 1

    def handle_data(self, data):
        self.text.append(data)


def _structure(html: str) -> Structure:
    s = Structure()
    s.feed(html)
    return s


def test_report_is_self_contained_and_accessible(report_html):
    s = _structure(report_html)
    assert s.external == [], "the report must not load anything from the network"
    assert s.scripts_src == 0
    assert "@import" not in report_html and "url(http" not in report_html
    assert s.tables >= 20 and s.captions == s.tables, "every table has a caption"
    assert s.th_without_scope == 0, "every <th> has a scope"
    # charts: national (2 bestendig, 2 scenario, 3 flows, 1 buiten doelgroep) + 3 per pilot
    assert s.svgs == 8 + 3 * 5 and s.svg_with_title == s.svgs
    assert s.details == s.svgs, "every chart has its numbers as a table under it"
    assert len(s.ids) == len(set(s.ids)), "ids are unique (pattern and label references stay right)"
    for href in s.hrefs:
        assert href.startswith("#") and href[1:] in s.ids
    assert '<html lang="nl">' in report_html
    assert "@media print" in report_html
    # every chart is well-formed SVG on its own (it can be copied out of the report into a document)
    svgs = re.findall(r"<svg\b.*?</svg>", report_html, re.S)
    assert len(svgs) == s.svgs
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.find("{http://www.w3.org/2000/svg}title").text
        assert root.find("{http://www.w3.org/2000/svg}desc").text


def test_report_content_matches_the_monitor(sample_db, report_html):
    con = duckdb.connect(str(sample_db), read_only=True)
    tot = dict(zip([d[0] for d in con.execute("SELECT * FROM marts.monitor_op(DATE '2020-11-01', false)").description],
                   con.execute("SELECT * FROM marts.monitor_op(DATE '2020-11-01', false) WHERE gemeente = 'totaal'").fetchall()[0]))
    con.close()
    text = " ".join(_structure(report_html).text)
    assert "Landelijke monitor LVV" in text and "1 november 2020" in text
    assert f"zijn {tot['ooit_opgevangen']:,}".replace(",", ".") + " personen" in text
    table = re.search(r'<table id="tabel-monitor">(.*?)</table>', report_html, re.S).group(1)
    row = re.search(r"<th scope=\"row\">Bestendige oplossingen \(totaal\)</th>(.*?)</tr>", table).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[-1] == str(tot["bestendig_totaal"])
    for naam in ("Amsterdam", "Rotterdam", "Utrecht", "Groningen", "Eindhoven"):
        assert f"Pilot {naam}" in text
    for kop in ("De monitortabel", "Vergelijking met de vorige peildatum", "Bestendige oplossingen",
                "Begeleidingsscenario's en MRT", "Buiten de doelgroep en andere afwijkingen", "Definities en bronnen"):
        assert kop in text
    assert "Nog niet beschikbaar" in text, "no fct_afwijkingen in this file: say so"
    assert "DEMO" not in text
    # as reported: the monitor table is the macro's as-reported answer, and the report says so
    data = load_report_data(sample_db, date(2020, 11, 1), as_reported=True)
    con = duckdb.connect(str(sample_db), read_only=True)
    as_reported = con.execute("SELECT gemeente, mob FROM marts.monitor_op(DATE '2020-11-01', true)").fetchall()
    con.close()
    assert [(r["gemeente"], r["mob"]) for r in data.monitor] == as_reported
    assert "zoals gerapporteerd: alleen de leveringen" in build_report(sample_db, date(2020, 11, 1), as_reported=True)


def test_comparison_uses_previous_delivery_peildatum(sample_db):
    data = load_report_data(sample_db, date(2020, 11, 1))
    assert data.leveringspeildata[:2] == [date(2019, 7, 1), date(2019, 10, 1)]
    assert data.vergelijking.vorige == date(2020, 7, 1)
    assert data.vergelijking.reden == "de vorige leveringspeildatum"
    then = data.monitor_rij("totaal", data.vergelijking.zoals_gerapporteerd)
    newest = data.monitor_rij("totaal", data.vergelijking.nieuwste)
    assert then["ooit_opgevangen"] <= newest["ooit_opgevangen"]
    # late reports: as reported then, fewer outflows were known than we know now
    assert sum(then[c] for c in ("mob", "asielaanvraag_azc", "terugkeer")) < sum(
        newest[c] for c in ("mob", "asielaanvraag_azc", "terugkeer"))
    # on a date between deliveries: still the previous delivery; asked for: that date
    assert kies_vorige(date(2020, 12, 15), data.leveringspeildata, None)[0] == date(2020, 11, 1)
    assert kies_vorige(date(2020, 11, 1), [], None) == (date(2020, 10, 1), kies_vorige(date(2020, 11, 1), [], None)[1])
    assert kies_vorige(date(2020, 3, 31), [], None)[0] == date(2020, 2, 29)
    assert load_report_data(sample_db, date(2020, 11, 1), previous=date(2020, 1, 1)).vergelijking.vorige == date(2020, 1, 1)


def test_deviations_and_demo_mark_when_present(sample_db_full, sample_db):
    html = build_report(sample_db_full, date(2020, 11, 1))
    text = " ".join(_structure(html).text)
    assert "Nog niet beschikbaar" not in text
    assert 'id="tabel-afwijkingen"' in html and "Uitstroom voor instroom" in text
    assert "DEMO – synthetische gegevens" in text, "publicatie.is_demo marks the report"
    assert newest_peildatum(sample_db_full) == date(2021, 2, 1), "publicatie.peildatum is the default"
    # the parameter wins over the table, both ways
    assert "DEMO – synthetische gegevens" not in " ".join(_structure(build_report(sample_db_full, date(2020, 11, 1), demo=False)).text)
    assert "DEMO – synthetische gegevens" in " ".join(_structure(build_report(sample_db, date(2020, 11, 1), demo=True)).text)


def test_write_report_and_missing_input(sample_db, tmp_path):
    out = write_report(sample_db, date(2021, 2, 1), tmp_path / "sub" / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["r.html"], "no temporary file left behind"
    assert default_report_path(tmp_path, date(2021, 2, 1)) == tmp_path / "rapport" / "monitor_2021-02-01.html"
    warehouse = tmp_path / "wh"
    warehouse.mkdir()
    shutil.copyfile(sample_db, warehouse / "monitor.duckdb")
    assert write_warehouse_report(warehouse) == warehouse / "rapport" / "monitor_2021-02-01.html"
    assert (warehouse / "rapport" / "monitor_2021-02-01.html").is_file()
    with pytest.raises(ReportDataError, match="bestaat niet"):
        write_report(tmp_path / "nope.duckdb", date(2021, 2, 1), tmp_path / "x.html")
    with pytest.raises(ReportDataError, match="vóór de start"):
        write_report(sample_db, date(2019, 3, 1), tmp_path / "x.html")
    later = " ".join(_structure(build_report(sample_db, date(2021, 3, 15))).text)
    assert "de nieuwste levering heeft peildatum 1 februari 2021" in later
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ReportDataError, match="dim_pilot"):
        write_report(empty, date(2021, 2, 1), tmp_path / "x.html")


def test_cli_subcommand(sample_db, tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="lvv-monitor")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    with pytest.raises(SystemExit) as exit_help:
        parser.parse_args(["report", "--help"])
    assert exit_help.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--warehouse", "--peildatum", "--out", "--previous", "--demo", "--as-reported"):
        assert option in help_text
    warehouse = sample_db.parent
    out = tmp_path / "rapport.html"
    args = parser.parse_args(["report", "--warehouse", str(warehouse), "--peildatum", "2020-11-01", "--out", str(out)])
    assert args.handler(args) == 0
    assert out.is_file() and "Rapport op peildatum 2020-11-01" in capsys.readouterr().out
    # default peildatum and path: the newest delivery peildatum, into WAREHOUSE/rapport/
    args = parser.parse_args(["report", "--warehouse", str(warehouse)])
    assert args.handler(args) == 0
    assert (warehouse / "rapport" / "monitor_2021-02-01.html").is_file()
    args = parser.parse_args(["report", "--published", str(sample_db), "--peildatum", "2020-07-01",
                              "--previous", "2020-01-01", "--no-demo", "--out", str(tmp_path / "r2.html")])
    assert args.handler(args) == 0
    assert "1 januari 2020 (op verzoek gekozen)" in (tmp_path / "r2.html").read_text(encoding="utf-8")
    args = parser.parse_args(["report", "--warehouse", str(tmp_path / "leeg")])
    assert args.handler(args) == 2
    assert "bestaat niet" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["report", "--peildatum", "1-11-2020"])


def test_dagster_asset_writes_the_report(sample_db_full, tmp_path):
    import dagster as dg

    from pipelines.defs.report_assets import PUBLISHED_KEY, monitor_report
    from pipelines.defs.resources import WarehouseResource

    warehouse = tmp_path / "wh"
    warehouse.mkdir()
    shutil.copyfile(sample_db_full, warehouse / "monitor.duckdb")

    @dg.asset(key=PUBLISHED_KEY)
    def published_stub() -> None:  # stands in for the publication, which already happened above
        return None

    result = dg.materialize(
        [published_stub, monitor_report],
        resources={"warehouse": WarehouseResource(landing_dir=str(tmp_path / "landing"), warehouse_dir=str(warehouse))},
    )
    assert result.success
    out = warehouse / "rapport" / "monitor_2021-02-01.html"
    assert out.is_file()
    from pipelines.defs.report_assets import REPORT_KEY

    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == REPORT_KEY]
    metadata = event.materialization.metadata
    assert metadata["peildatum"].value == "2021-02-01" and metadata["vergeleken_met"].value == "2020-11-01"
    assert metadata["is_demo"].value is True


def test_report_from_the_real_published_file(demo_warehouse, tmp_path):
    """The nightly run on the demo data published monitor.duckdb and wrote its report; report on it."""
    db = demo_warehouse.warehouse / "monitor.duckdb"
    nightly = sorted((demo_warehouse.warehouse / "rapport").glob("monitor_*.html"))
    assert [p.name for p in nightly] == ["monitor_2021-02-01.html"]
    out = write_report(db, date(2020, 11, 1), tmp_path / "echt.html")
    html = out.read_text(encoding="utf-8")
    s = _structure(html)
    assert s.external == [] and s.captions == s.tables and s.svgs >= 20
    assert "1.310" in html and "771" in html  # the letter's figures, in Dutch number format


# ---------------------------------------------------------------------------------------------
# A real browser


class Chromium:
    """Headless chromium driven over the DevTools protocol (one page, one websocket)."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.profile = profile
        self.log = profile.parent / f"{profile.name}.log"  # a file, not a pipe: a full pipe would block chromium
        self._log_fh = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-allow-origins=*",
             "--window-size=1200,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=self._log_fh,
        )

    def websocket_url(self, timeout: float = 30) -> str:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium stopped: {self.log.read_text(errors='replace')[-2000:]}")
            if port_file.is_file():
                lines = port_file.read_text().split()
                if len(lines) >= 2:
                    return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log_fh.close()


class CDP:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict] = []

    async def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self.next_id += 1
        msg_id = self.next_id
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        await self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    async def wait_event(self, method: str, timeout: float = 60) -> dict:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.monotonic())))
            if msg.get("method") == method:
                return msg
            self.events.append(msg)


PAGE_CHECKS = r"""
(() => {
  const box = el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const svgs = [...document.querySelectorAll('svg.grafiek')];
  const tables = [...document.querySelectorAll('table')];
  const details = [...document.querySelectorAll('details')];
  details.forEach(d => d.open = true);
  const out = {
    title: document.title,
    svgs: svgs.length,
    svgs_sized: svgs.filter(s => { const [w, h] = box(s); return w > 200 && h > 100; }).length,
    svgs_drawn: svgs.filter(s => s.querySelectorAll('path, rect, circle, polygon').length > 5).length,
    svg_text_overflow: svgs.filter(s => { const o = s.getBoundingClientRect(); return [...s.querySelectorAll('text')]
        .some(t => { const b = t.getBoundingClientRect();
                     return b.left < o.left - 1 || b.right > o.right + 1 || b.top < o.top - 1 || b.bottom > o.bottom + 1; });
        }).map(s => s.id),
    tables: tables.length,
    tables_sized: tables.filter(t => { const [w, h] = box(t); return w > 100 && h > 30; }).length,
    tables_with_caption: tables.filter(t => t.caption && t.caption.textContent.trim()).length,
    broken_patterns: [...document.querySelectorAll('svg [fill^="url(#"]')].filter(e =>
        !document.getElementById(e.getAttribute('fill').slice(5, -1))).length,
    sections: [...document.querySelectorAll('main section > h2')].map(h => h.textContent),
    height: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
    fonts_ok: document.fonts ? document.fonts.status : 'n/a',
  };
  details.forEach(d => d.open = false);
  return JSON.stringify(out);
})()
"""


async def _drive(ws_url: str, url: str, screenshot: Path, pdf: Path) -> tuple[dict, list[str]]:
    import websockets

    async with websockets.connect(ws_url, max_size=256 * 1024 * 1024) as ws:
        cdp = CDP(ws)
        target = await cdp.send("Target.createTarget", {"url": "about:blank"})
        session = (await cdp.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}))["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            await cdp.send(f"{domain}.enable", session=session)
        await cdp.send("Emulation.setDeviceMetricsOverride",
                       {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        await cdp.send("Page.navigate", {"url": url}, session=session)
        await cdp.wait_event("Page.loadEventFired", timeout=60)
        result = await cdp.send("Runtime.evaluate", {"expression": PAGE_CHECKS, "returnByValue": True}, session=session)
        if "exceptionDetails" in result:
            raise AssertionError(f"page checks failed: {result['exceptionDetails']}")
        checks = json.loads(result["result"]["value"])
        # print stylesheet: the whole report as A4 PDF (beforeprint opens the tables)
        printed = await cdp.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, session=session)
        pdf.write_bytes(base64.b64decode(printed["data"]))
        # screenshot: the top of the report as a reader first sees it (a full page would be huge)
        shot = await cdp.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1200, "height": min(checks["height"], 3200), "scale": 1}}, session=session)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        await asyncio.sleep(0.2)
        # drain what arrived meanwhile, then collect errors
        try:
            while True:
                cdp.events.append(json.loads(await asyncio.wait_for(ws.recv(), 0.3)))
        except (asyncio.TimeoutError, TimeoutError):
            pass
        errors = []
        for ev in cdp.events:
            if ev.get("method") == "Runtime.exceptionThrown":
                errors.append(json.dumps(ev["params"]["exceptionDetails"])[:500])
            elif ev.get("method") == "Runtime.consoleAPICalled" and ev["params"]["type"] in ("error", "assert"):
                errors.append(json.dumps(ev["params"]["args"])[:500])
            elif ev.get("method") == "Log.entryAdded" and ev["params"]["entry"]["level"] == "error":
                errors.append(ev["params"]["entry"].get("text", "")[:500])
        await cdp.send("Target.closeTarget", {"targetId": target["targetId"]})
        return checks, errors


def test_report_renders_in_headless_chromium(sample_db_full, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get update && apt-get install -y chromium); "
                    "the browser test needs /usr/bin/chromium")
    pytest.importorskip("websockets", reason="the browser test talks to chromium with `websockets`: "
                        "add it to the [test] extra of pyproject.toml")
    report = write_report(sample_db_full, date(2020, 11, 1), tmp_path / "report.html")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot, pdf = ARTIFACTS / "report.png", ARTIFACTS / "report.pdf"
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path))
    browser = Chromium(CHROMIUM, profile)
    try:
        ws_url = browser.websocket_url()
        checks, errors = asyncio.run(asyncio.wait_for(_drive(ws_url, report.as_uri(), screenshot, pdf), 180))
    finally:
        browser.close()
    assert errors == [], f"errors in the browser: {errors}"
    assert checks["title"].startswith("Landelijke monitor LVV – peildatum 1 november 2020")
    assert checks["svgs"] == 23 and checks["svgs_sized"] == 23 and checks["svgs_drawn"] == 23
    assert checks["svg_text_overflow"] == [], "labels drawn outside their chart"
    assert checks["broken_patterns"] == 0
    assert checks["tables"] >= 25 and checks["tables_sized"] == checks["tables"] == checks["tables_with_caption"]
    assert checks["width"] <= 1200, "nothing sticks out sideways"
    assert len(checks["sections"]) == 13
    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
