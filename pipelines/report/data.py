"""Everything the report shows, read from the published file (`monitor.duckdb`, schema `marts`).

Only the tables of `docs/marts.md` and the table macro `marts.monitor_op` are read. The file is
opened read-only, and every result is fetched completely before the next statement runs.
Optional tables (`fct_afwijkingen`, `publicatie`) are used when present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.report.labels import MONITOR_KOLOMMEN

PROGRAMMASTART = date(2019, 4, 1)


class ReportDataError(RuntimeError):
    """The published file cannot give what the report needs (missing file, table or peildatum)."""


@dataclass
class Pilot:
    bron: str
    gemeente: str
    capaciteit: int


@dataclass
class Vergelijking:
    vorige: date
    reden: str  # why this date: the previous delivery peildatum, one month earlier, or asked for
    zoals_gerapporteerd: list[dict]  # monitor rows at `vorige`, as known then
    nieuwste: list[dict]  # monitor rows at `vorige`, with the newest deliveries


@dataclass
class ReportData:
    peildatum: date
    bron_bestand: Path
    pilots: list[Pilot]
    monitor: list[dict]  # monitor_op(peildatum, false): one dict per row, pilots then `totaal`
    vergelijking: Vergelijking | None
    leveringspeildata: list[date]
    # time series of the monitor (fct_monitor, modus nieuwste), per first of the month ≤ peildatum
    monitor_reeks: list[dict]
    instroom_per_maand: list[dict]  # bron, maand (date), in_doelgroep_bbb, in_doelgroep_overig, buiten_doelgroep
    uitstroom_per_maand: list[dict]  # bron, maand, uitstroomcategorie, aantal (in doelgroep)
    bezetting: list[dict]  # datum, bron, aanwezig, aanwezig_in_doelgroep, aanwezig_buiten_doelgroep, capaciteit
    buiten_doelgroep: list[dict]  # bron, reden, personen
    afwijkingen_uitstroom: list[dict]  # bron, afwijking, aantal
    vertreklanden: list[dict]  # naam, categorie, aantal
    afwijkingen: list[dict] | None  # fct_afwijkingen grouped; None: the table is not there
    is_demo: bool
    publicatie: dict = field(default_factory=dict)
    zoals_gerapporteerd: bool = False  # the monitor table uses only deliveries known at the peildatum
    leveringen: list[dict] | None = None  # per bron and bestand: deliveries up to the peildatum (publicatie_leveringen)

    def monitor_rij(self, gemeente: str, rows: list[dict] | None = None) -> dict:
        for row in rows if rows is not None else self.monitor:
            if row["gemeente"] == gemeente:
                return row
        raise KeyError(gemeente)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts'"
    ).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def _require(tables: dict[str, set[str]], name: str, columns: tuple[str, ...]) -> None:
    if name not in tables:
        raise ReportDataError(f"tabel marts.{name} ontbreekt in het gepubliceerde bestand")
    missing = [c for c in columns if c not in tables[name]]
    if missing:
        raise ReportDataError(f"marts.{name} mist kolom(men): {', '.join(missing)}")


def open_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    if not Path(published_db).is_file():
        raise ReportDataError(
            f"gepubliceerd bestand {published_db} bestaat niet; draai eerst `lvv-monitor run`"
        )
    return duckdb.connect(str(published_db), read_only=True)


def _publicatie(con: duckdb.DuckDBPyConnection, tables: dict[str, set[str]]) -> dict:
    if "publicatie" not in tables:
        return {}
    rows = _rows(con, "SELECT * FROM marts.publicatie")
    return rows[-1] if rows else {}


def leveringspeildata(con: duckdb.DuckDBPyConnection, tables: dict[str, set[str]] | None = None) -> list[date]:
    """The peildata of the deliveries, as far as the published file tells them.

    In order: the deliveries the marts were built from (`publicatie_leveringen`), the knowledge
    states of the monitor (`dim_monitor_kennisstanden`: one per delivery peildatum, plus
    `nieuwste`), the `kennisstand` column of the monitor's basis. Empty when the file does not say.
    """
    tables = tables if tables is not None else _tables(con)
    queries = []
    if "peildatum" in tables.get("publicatie_leveringen", set()):
        queries.append("SELECT DISTINCT peildatum FROM marts.publicatie_leveringen WHERE peildatum IS NOT NULL")
    if {"kennisstand", "tot_en_met"} <= tables.get("dim_monitor_kennisstanden", set()):
        queries.append("SELECT DISTINCT tot_en_met FROM marts.dim_monitor_kennisstanden "
                       "WHERE kennisstand <> 'nieuwste' AND tot_en_met < DATE '9999-01-01'")
    for table in ("fct_monitor_verblijven", "fct_monitor_gebeurtenissen"):
        if "kennisstand" in tables.get(table, set()):
            queries.append(f"SELECT DISTINCT TRY_CAST(kennisstand AS DATE) FROM marts.{table}")
            break
    for sql in queries:
        found = {r[0] for r in con.execute(sql).fetchall() if r[0] is not None}
        if found:
            return sorted(found)
    return []


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def newest_peildatum(published_db: Path) -> date:
    """The peildatum a report is about by default: the publication's newest peildatum, else the
    newest delivery peildatum, else the newest date in `fct_monitor`."""
    con = open_published(published_db)
    try:
        tables = _tables(con)
        pub = _publicatie(con, tables)
        for column in ("nieuwste_peildatum", "peildatum"):
            value = _as_date(pub.get(column))
            if value is not None:
                return value
        dates = leveringspeildata(con, tables)
        if dates:
            return dates[-1]
        _require(tables, "fct_monitor", ("peildatum",))
        value = con.execute("SELECT max(peildatum) FROM marts.fct_monitor").fetchall()[0][0]
        if value is None:
            raise ReportDataError("marts.fct_monitor is leeg")
        return value
    finally:
        con.close()


def een_maand_eerder(d: date) -> date:
    month = d.month - 1 or 12
    year = d.year - (d.month == 1)
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError(d)


def kies_vorige(peildatum: date, leveringen: list[date], gevraagd: date | None) -> tuple[date, str]:
    """The peildatum to compare with, and why.

    Asked for explicitly: that one. Otherwise the previous delivery peildatum (the last moment
    the pilots reported before this one: what the ministry saw last time); when the published
    file does not reveal the delivery peildata, one month earlier.
    """
    if gevraagd is not None:
        return gevraagd, "op verzoek gekozen"
    eerder = [d for d in leveringen if d < peildatum]
    if eerder:
        return eerder[-1], "de vorige leveringspeildatum"
    return een_maand_eerder(peildatum), "één maand eerder (de leveringspeildata staan niet in het bestand)"


def _monitor(con: duckdb.DuckDBPyConnection, peildatum: date, as_reported: bool) -> list[dict]:
    sql = (f"SELECT * FROM marts.monitor_op(DATE '{peildatum.isoformat()}', "
           f"{'true' if as_reported else 'false'})")
    rows = _rows(con, sql)
    return _order_monitor(rows)


def _order_monitor(rows: list[dict]) -> list[dict]:
    pilots = [r for r in rows if r["gemeente"] != "totaal"]
    totaal = [r for r in rows if r["gemeente"] == "totaal"]
    return pilots + totaal


def load_report_data(
    published_db: Path,
    peildatum: date,
    previous: date | None = None,
    is_demo: bool | None = None,
    as_reported: bool = False,
) -> ReportData:
    """Read everything the report shows at `peildatum` from the published file."""
    published_db = Path(published_db)
    con = open_published(published_db)
    try:
        return _load(con, published_db, peildatum, previous, is_demo, as_reported)
    finally:
        con.close()


def _load(con, published_db, peildatum, previous, is_demo, as_reported) -> ReportData:
    tables = _tables(con)
    _require(tables, "dim_pilot", ("bron", "gemeente", "capaciteit", "volgorde"))
    _require(tables, "fct_instroom", ("bron", "instroomdatum", "persoon_key", "in_doelgroep", "buiten_doelgroep_redenen"))
    _require(tables, "fct_uitstroom", ("bron", "uitstroomdatum", "uitstroomcategorie", "in_doelgroep"))
    _require(tables, "fct_bezetting", ("datum", "bron", "aanwezig", "aanwezig_in_doelgroep", "capaciteit"))
    _require(tables, "fct_monitor", ("peildatum", "modus", "gemeente") + MONITOR_KOLOMMEN)
    p = peildatum.isoformat()
    if peildatum < PROGRAMMASTART:
        raise ReportDataError(f"peildatum {p} ligt vóór de start van de pilots op {PROGRAMMASTART.isoformat()}")

    pilots = [Pilot(r["bron"], r["gemeente"], int(r["capaciteit"])) for r in _rows(
        con, "SELECT bron, gemeente, capaciteit FROM marts.dim_pilot ORDER BY volgorde")]
    if not pilots:
        raise ReportDataError("marts.dim_pilot is leeg")

    try:
        monitor = _monitor(con, peildatum, as_reported)
    except duckdb.Error as exc:
        raise ReportDataError(f"marts.monitor_op is niet bruikbaar: {exc}") from exc
    if not monitor:
        raise ReportDataError(f"de monitor op {p} is leeg")
    missing = [n for n in [pl.gemeente for pl in pilots] + ["totaal"] if n not in {r["gemeente"] for r in monitor}]
    if missing:
        raise ReportDataError(f"marts.monitor_op({p}) mist de regel(s) {', '.join(missing)}")
    monitor = [next(r for r in monitor if r["gemeente"] == n) for n in [pl.gemeente for pl in pilots] + ["totaal"]]

    leveringen = leveringspeildata(con, tables)
    vergelijking = None
    vorige, reden = kies_vorige(peildatum, leveringen, previous)
    if vorige >= PROGRAMMASTART and vorige < peildatum:
        vergelijking = Vergelijking(
            vorige, reden, _monitor(con, vorige, True), _monitor(con, vorige, False)
        )

    monitor_reeks = _rows(con, f"""
        SELECT m.*
        FROM marts.fct_monitor m
        WHERE m.modus = 'nieuwste' AND m.peildatum <= DATE '{p}'
          AND m.peildatum >= DATE '{PROGRAMMASTART.isoformat()}'
          AND (extract(day FROM m.peildatum) = 1 OR m.peildatum = DATE '{p}')
        ORDER BY m.peildatum""")
    # fct_monitor may lack the peildatum itself (it holds firsts of the month and delivery peildata):
    # add it from the macro, so every series ends at the report's peildatum.
    if not any(r["peildatum"] == peildatum for r in monitor_reeks):
        monitor_reeks += [dict(r, peildatum=peildatum, modus="nieuwste") for r in _monitor(con, peildatum, False)]

    bbb = "herkomst = 'BBB'" if "herkomst" in tables["fct_instroom"] else "false"
    instroom = _rows(con, f"""
        SELECT bron, CAST(date_trunc('month', instroomdatum) AS DATE) AS maand,
               count(*) FILTER (WHERE in_doelgroep AND {bbb}) AS in_doelgroep_bbb,
               count(*) FILTER (WHERE in_doelgroep AND NOT coalesce({bbb}, false)) AS in_doelgroep_overig,
               count(*) FILTER (WHERE NOT in_doelgroep OR in_doelgroep IS NULL) AS buiten_doelgroep
        FROM marts.fct_instroom
        WHERE instroomdatum <= DATE '{p}'
        GROUP BY ALL ORDER BY bron, maand""")
    uitstroom = _rows(con, f"""
        SELECT bron, CAST(date_trunc('month', uitstroomdatum) AS DATE) AS maand,
               uitstroomcategorie, count(*) AS aantal
        FROM marts.fct_uitstroom
        WHERE uitstroomdatum <= DATE '{p}' AND in_doelgroep
        GROUP BY ALL ORDER BY bron, maand""")
    bezetting = _rows(con, f"""
        SELECT datum, bron, aanwezig, aanwezig_in_doelgroep,
               {'aanwezig_buiten_doelgroep' if 'aanwezig_buiten_doelgroep' in tables['fct_bezetting'] else 'aanwezig - aanwezig_in_doelgroep'} AS aanwezig_buiten_doelgroep,
               capaciteit
        FROM marts.fct_bezetting
        WHERE datum <= DATE '{p}'
        ORDER BY bron, datum""")
    buiten = _rows(con, f"""
        SELECT bron, reden, count(DISTINCT persoon_key) AS personen
        FROM (SELECT bron, persoon_key, unnest(CASE WHEN len(buiten_doelgroep_redenen) > 0
                     THEN buiten_doelgroep_redenen ELSE ['ONBEKEND'] END) AS reden
              FROM marts.fct_instroom
              WHERE NOT in_doelgroep AND instroomdatum <= DATE '{p}')
        GROUP BY ALL""")
    afw_uitstroom = []
    if "afwijking" in tables["fct_uitstroom"]:
        afw_uitstroom = _rows(con, f"""
            SELECT bron, afwijking, count(*) AS aantal
            FROM marts.fct_uitstroom
            WHERE afwijking IS NOT NULL AND uitstroomdatum <= DATE '{p}'
            GROUP BY ALL ORDER BY bron, afwijking""")
    vertreklanden = []
    if "vertrekland" in tables["fct_uitstroom"]:
        naam = "coalesce(l.naam_nl, u.vertrekland)" if "dim_land" in tables else "u.vertrekland"
        join = "LEFT JOIN marts.dim_land l ON l.iso3 = u.vertrekland" if "dim_land" in tables else ""
        vertreklanden = _rows(con, f"""
            SELECT {naam} AS land, u.uitstroomcategorie AS categorie, count(*) AS aantal
            FROM marts.fct_uitstroom u {join}
            WHERE u.uitstroomdatum <= DATE '{p}' AND u.in_doelgroep
              AND u.uitstroomcategorie IN ('terugkeer', 'doormigratie') AND u.vertrekland IS NOT NULL
            GROUP BY ALL""")
    afwijkingen = None
    if "fct_afwijkingen" in tables:
        cols = tables["fct_afwijkingen"]
        sinds = "min(sinds)" if "sinds" in cols else "NULL"
        where = f"WHERE sinds IS NULL OR sinds <= DATE '{p}'" if "sinds" in cols else ""
        ernst = "ernst" if "ernst" in cols else "NULL"
        afwijkingen = _rows(con, f"""
            SELECT bron, soort, {ernst} AS ernst, count(*) AS aantal, {sinds} AS oudste
            FROM marts.fct_afwijkingen {where}
            GROUP BY ALL""")

    leveringen_overzicht = None
    if {"bron", "bestand", "peildatum"} <= tables.get("publicatie_leveringen", set()):
        rows_loaded = ("sum(rows_loaded) FILTER (WHERE peildatum = laatste)"
                       if "rows_loaded" in tables["publicatie_leveringen"] else "NULL")
        leveringen_overzicht = _rows(con, f"""
            SELECT bron, bestand, count(DISTINCT peildatum) AS leveringen, min(peildatum) AS eerste,
                   max(peildatum) AS laatste_peildatum, {rows_loaded} AS rijen_laatste
            FROM (SELECT *, max(peildatum) FILTER (WHERE peildatum <= DATE '{p}') OVER (PARTITION BY bron, bestand) AS laatste
                  FROM marts.publicatie_leveringen WHERE peildatum <= DATE '{p}')
            GROUP BY bron, bestand""")

    pub = _publicatie(con, tables)
    demo = bool(is_demo) if is_demo is not None else bool(pub.get("is_demo", False))
    return ReportData(
        peildatum=peildatum,
        bron_bestand=published_db,
        pilots=pilots,
        monitor=monitor,
        vergelijking=vergelijking,
        leveringspeildata=leveringen,
        monitor_reeks=monitor_reeks,
        instroom_per_maand=instroom,
        uitstroom_per_maand=uitstroom,
        bezetting=bezetting,
        buiten_doelgroep=buiten,
        afwijkingen_uitstroom=afw_uitstroom,
        vertreklanden=vertreklanden,
        afwijkingen=afwijkingen,
        is_demo=demo,
        publicatie=pub,
        zoals_gerapporteerd=as_reported,
        leveringen=leveringen_overzicht,
    )


def maanden(van: date, tot: date) -> list[date]:
    """Firsts of the months from `van`'s month up to and including `tot`'s month."""
    out, d = [], date(van.year, van.month, 1)
    while d <= tot:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


__all__ = [
    "ReportData", "ReportDataError", "Pilot", "Vergelijking", "load_report_data", "newest_peildatum",
    "leveringspeildata", "kies_vorige", "maanden", "een_maand_eerder",
]
