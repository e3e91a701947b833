"""docs/analyst.md, tested (issue 15): every ```sql block of the cookbook runs on the demo's
published file, and a figure of each equals the same figure derived another way: from another
mart, from the precomputed monitor, or in pandas from the fact tables. A new query without a
check here fails the test, so the cookbook and its checks stay together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

COOKBOOK = Path(__file__).resolve().parents[1] / "docs" / "analyst.md"


def cookbook_queries() -> dict[str, str]:
    """heading → the sql block under it (the nearest ### or ## heading above the block)."""
    queries: dict[str, str] = {}
    heading, block = None, None
    for line in COOKBOOK.read_text(encoding="utf-8").splitlines():
        if block is not None:
            if line.strip() == "```":
                assert heading not in queries, f"two sql blocks under '{heading}'"
                queries[heading] = "\n".join(block).strip()
                block = None
            else:
                block.append(line)
        elif line.startswith(("## ", "### ")):
            heading = line.lstrip("#").strip()
        elif line.strip() == "```sql":
            block = []
    return queries


def _df(con, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def check_instroom(con, result):
    frame = _df(con, "SELECT bron, instroomdatum FROM marts.fct_instroom WHERE in_doelgroep")
    dates = pd.to_datetime(frame["instroomdatum"])
    expected = frame.assign(jaar=dates.dt.year, kwartaal=dates.dt.quarter).groupby(["bron", "jaar", "kwartaal"]).size()
    got = result.set_index(["bron", "jaar", "kwartaal"])["instroom"]
    assert got.to_dict() == expected.to_dict()
    # and the total is the monitor's ooit-opgevangen stays: all in-scope stays ever started
    assert got.sum() == con.execute("SELECT count(*) FROM marts.fct_instroom WHERE in_doelgroep").fetchall()[0][0]


def check_bestendig(con, result):
    mart = dict(con.execute("SELECT bron, mediaan_dagen_tot_bestendige_oplossing FROM marts.fct_vragen__doorlooptijden "
                            "WHERE bron <> 'totaal'").fetchall())
    assert dict(zip(result["bron"], result["mediaan_dagen"])) == mart
    monitor = con.execute("SELECT bestendig_totaal FROM marts.monitor_op((SELECT nieuwste_peildatum FROM marts.publicatie), "
                          "false) WHERE gemeente = 'totaal'").fetchall()[0][0]
    assert result["verblijven"].sum() == monitor


def check_afwijkingen_maand(con, result):
    frame = _df(con, "SELECT bron, ernst, sinds FROM marts.fct_afwijkingen WHERE sinds IS NOT NULL")
    newest = con.execute("SELECT nieuwste_peildatum FROM marts.publicatie").fetchall()[0][0]
    sinds, end = pd.to_datetime(frame["sinds"]), pd.Timestamp(newest)
    month = frame[(sinds > end - pd.DateOffset(months=1)) & (sinds <= end)]
    assert dict(zip(zip(result["bron"], result["ernst"]), result["afwijkingen"])) == \
        month.groupby(["bron", "ernst"]).size().to_dict()


def check_letter(con, result):
    totaal = result[result["gemeente"] == "totaal"].iloc[0]
    persons = con.execute("SELECT count(DISTINCT persoon_key) FROM marts.fct_instroom "
                          "WHERE in_doelgroep AND instroomdatum <= DATE '2020-11-01'").fetchall()[0][0]
    assert totaal["ooit_opgevangen"] == persons
    assert totaal["capaciteit"] == con.execute("SELECT sum(capaciteit) FROM marts.dim_pilot").fetchall()[0][0]
    assert list(result["gemeente"]) == [g for (g,) in con.execute(
        "SELECT gemeente FROM marts.dim_pilot ORDER BY volgorde").fetchall()] + ["totaal"]


def check_as_reported(con, result):
    stored = _df(con, "SELECT * EXCLUDE (peildatum, modus) FROM marts.fct_monitor "
                      "WHERE peildatum = DATE '2020-07-01' AND modus = 'zoals_gerapporteerd'")
    assert result.drop(columns=["peildatum", "modus"]).reset_index(drop=True).equals(stored.reset_index(drop=True))


def check_bezetting(con, result):
    frame = _df(con, """SELECT i.bron, i.instroomdatum, u.uitstroomdatum
                        FROM marts.fct_instroom AS i LEFT JOIN marts.fct_uitstroom AS u USING (verblijf_key)""")
    day = pd.Timestamp(2020, 11, 1)
    present = frame[(pd.to_datetime(frame["instroomdatum"]) <= day)
                    & (frame["uitstroomdatum"].isna() | (pd.to_datetime(frame["uitstroomdatum"]) > day))]
    assert dict(zip(result["bron"], result["aanwezig"])) == present.groupby("bron").size().to_dict()
    assert (result["boven_capaciteit"] == (result["aanwezig"] > result["capaciteit"])).all()


def check_uitstroom(con, result):
    newest = con.execute("SELECT nieuwste_peildatum FROM marts.publicatie").fetchall()[0][0]
    monitor = _df(con, f"SELECT * FROM marts.monitor_op(DATE '{newest.isoformat()}', false) WHERE gemeente = 'totaal'").iloc[0]
    for category, count in zip(result["uitstroomcategorie"], result["verblijven"]):
        assert monitor[category] == count, category
    assert abs(result["aandeel"].sum() - 1) < 0.01


def check_nationaliteiten(con, result):
    mart = con.execute("SELECT land, personen FROM marts.fct_vragen__nationaliteiten "
                       "WHERE bron = 'totaal' ORDER BY rang, land LIMIT 5").fetchall()
    assert list(zip(result["land"], result["personen"])) == mart


def check_terugkeerlanden(con, result):
    mart = dict(((category, land), n) for category, land, n in con.execute(
        "SELECT uitstroomcategorie, land, vertrekken FROM marts.fct_vragen__terugkeerlanden").fetchall())
    assert dict(zip(zip(result["uitstroomcategorie"], result["land"]), result["vertrekken"])) == mart


def check_mrt(con, result):
    frame = _df(con, "SELECT bron, datum, gebeurtenis FROM marts.fct_scenario")
    advice = frame[frame["gebeurtenis"] == "MRT_ADVIES"]
    expected = advice.assign(jaar=pd.to_datetime(advice["datum"]).dt.year).groupby(["bron", "jaar"]).size()
    assert dict(zip(zip(result["bron"], result["jaar"]), result["mrt_adviezen"])) == expected.to_dict()
    # the monitor's mrt_besproken counts persons with advice; there can be no more persons than advices
    newest = con.execute("SELECT nieuwste_peildatum FROM marts.publicatie").fetchall()[0][0]
    persons = con.execute(f"SELECT mrt_besproken FROM marts.monitor_op(DATE '{newest}', false) "
                          "WHERE gemeente = 'totaal'").fetchall()[0][0]
    assert 0 < persons <= result["mrt_adviezen"].sum()


def check_buiten_doelgroep(con, result):
    frame = _df(con, "SELECT buiten_doelgroep_redenen FROM marts.fct_instroom WHERE NOT in_doelgroep")
    expected = frame["buiten_doelgroep_redenen"].explode().value_counts().to_dict()
    assert dict(zip(result["reden"], result["verblijven"])) == expected
    deviations = dict(con.execute("SELECT soort, count(*) FROM marts.fct_afwijkingen GROUP BY 1").fetchall())
    for reden, count in zip(result["reden"], result["verblijven"]):
        assert deviations.get(reden) == count, "fct_afwijkingen lists every out-of-scope reason of a stay"


def check_koppeling(con, result):
    frame = _df(con, "SELECT koppelmethode, gekoppeld FROM marts.dim_persoon")
    expected = frame["koppelmethode"].fillna("niet gekoppeld").value_counts().to_dict()
    assert dict(zip(result["koppelmethode"], result["personen"])) == expected
    assert expected.get("niet gekoppeld", 0) == (~frame["gekoppeld"]).sum()


def check_comments(con, result):
    assert len(result) == con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'fct_uitstroom'").fetchall()[0][0]
    assert result["comment"].notna().all() and (result["comment"].str.len() > 5).all()


CHECKS: dict[str, Callable] = {
    "1. Instroom per quarter per pilot": check_instroom,
    "2. Time from instroom to a bestendige oplossing": check_bestendig,
    "3. Deviations per pilot this month": check_afwijkingen_maand,
    "4. The letter's table at a peildatum": check_letter,
    "5. The same table as it was reported then": check_as_reported,
    "6. Occupancy against capacity": check_bezetting,
    "7. Uitstroom per category": check_uitstroom,
    "8. The five most frequent nationalities": check_nationaliteiten,
    "9. Where people returned to": check_terugkeerlanden,
    "10. MRT advice per pilot per year": check_mrt,
    "11. Out of the target group, by reason": check_buiten_doelgroep,
    "12. How persons were linked": check_koppeling,
    "What a column means": check_comments,
}


def test_every_query_of_the_cookbook_has_a_check():
    queries = cookbook_queries()
    assert len(queries) >= 13
    assert set(queries) == set(CHECKS)


@pytest.mark.parametrize("heading", list(CHECKS))
def test_cookbook_query(demo_warehouse, heading):
    sql = cookbook_queries()[heading]
    con = duckdb.connect(str(demo_warehouse.warehouse / "monitor.duckdb"), read_only=True)
    try:
        result = con.execute(sql).df()
        assert len(result) > 0, f"'{heading}' returns no rows on the demo"
        CHECKS[heading](con, result)
    finally:
        con.close()
