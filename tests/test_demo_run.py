"""The whole job on the demo data: a real in-process Dagster run, every row accounted for, and
the monitor at 1 November 2020 reproducing every figure of the letter (MONITOR.md, last table)."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.monitor_table import monitor_rows
from tests.feeds import query

PILOTS = ["Amsterdam", "Rotterdam", "Utrecht", "Groningen", "Eindhoven"]


def test_every_step_of_the_asset_graph_ran(demo_warehouse):
    steps = set(demo_warehouse.outcome.step_seconds)
    assert {"raw__landing_scan", "raw__gemeente_verblijven", "raw__gemeente_trajecten", "raw__ind_procedures",
            "raw__ind_maatregelen", "raw__dtv_vertrekzaken", "delivery_ledger", "dbt_staging",
            "person_linkage", "dbt_reconciliation_and_marts"} <= steps


def test_every_row_read_is_loaded_or_quarantined(demo_warehouse):
    db = demo_warehouse.pipeline_db
    [(read, loaded, quarantined)] = query(db, "SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM raw.deliveries")
    assert read == loaded + quarantined and quarantined > 0
    raw_rows = sum(query(db, f"SELECT count(*) FROM raw.{t}")[0][0] for t in
                   ("gemeente_verblijven", "gemeente_trajecten", "ind_procedures", "ind_maatregelen", "dtv_vertrekzaken"))
    assert raw_rows == loaded
    assert query(db, "SELECT count(*) FROM raw.quarantine") == [(quarantined,)]


def test_the_invalid_file_is_rejected_and_the_extras_skipped(demo_warehouse):
    db = demo_warehouse.pipeline_db
    assert query(db, "SELECT relative_path FROM raw.deliveries WHERE status = 'rejected'") == [
        ("eindhoven/eindhoven_trajecten_20200231.csv",)]
    skipped = {p for (p,) in query(db, "SELECT path FROM raw.landing_scan WHERE kind = 'overgeslagen'")}
    assert "LEESMIJ.txt" in skipped and any(p.endswith(".DS_Store") for p in skipped)


def test_staging_types_every_loaded_row(demo_warehouse):
    db = demo_warehouse.pipeline_db
    for raw, stg in [("gemeente_verblijven", "stg_gemeente__verblijven"), ("ind_procedures", "stg_ind__procedures"),
                     ("dtv_vertrekzaken", "stg_dtv__vertrekzaken")]:
        assert query(db, f"SELECT count(*) FROM raw.{raw}") == query(db, f"SELECT count(*) FROM staging.{stg}")


# MONITOR.md, "The figures this must reproduce" (totaal, and per pilot where the letter gives it).
LETTER_TOTALS = {
    "capaciteit": 1142, "ooit_opgevangen": 1310, "aanwezig": 771, "bestendig_totaal": 107,
    "bestendig_verblijf": 46, "asielaanvraag_azc": 164, "uitstel_art64": 25, "mob": 95, "terug_bbb": 7,
    "gedwongen_beeindigd": 84, "scenario_vertrek": 236, "scenario_verblijf": 235, "mrt_besproken": 10,
}
LETTER_PER_PILOT = {
    "capaciteit": [360, 117, 235, 300, 130],
    "terugkeer+doormigratie": [2, 30, 6, 23, 0],
    "scenario_vertrek": [75, 36, 10, 98, 17],
}


@pytest.fixture(scope="module")
def letter_rows(demo_warehouse):
    return {r["gemeente"]: r for r in monitor_rows(demo_warehouse.warehouse, date(2020, 11, 1))}


@pytest.mark.parametrize("figure,value", sorted(LETTER_TOTALS.items()))
def test_letter_total(letter_rows, figure, value):
    assert letter_rows["totaal"][figure] == value


def test_letter_departures_total(letter_rows):
    assert letter_rows["totaal"]["terugkeer"] + letter_rows["totaal"]["doormigratie"] == 61


def test_letter_rest_of_the_outflow(letter_rows):
    assert letter_rows["totaal"]["onbevestigd"] + letter_rows["totaal"]["overig"] == 57


@pytest.mark.parametrize("figure", sorted(LETTER_PER_PILOT))
def test_letter_per_pilot(letter_rows, figure):
    def value(row):
        return row["terugkeer"] + row["doormigratie"] if figure == "terugkeer+doormigratie" else row[figure]

    assert [value(letter_rows[p]) for p in PILOTS] == LETTER_PER_PILOT[figure]


def test_rows_in_the_contracts_order_with_totaal_last(demo_warehouse):
    rows = monitor_rows(demo_warehouse.warehouse, date(2020, 11, 1))
    assert [r["gemeente"] for r in rows] == PILOTS + ["totaal"]


def test_as_reported_equals_newest_at_the_letters_peildatum(demo_warehouse):
    assert monitor_rows(demo_warehouse.warehouse, date(2020, 11, 1), as_reported=True) == \
        monitor_rows(demo_warehouse.warehouse, date(2020, 11, 1))


def test_the_demo_has_linkage_work_for_every_method_and_a_review_list(demo_warehouse):
    methods = dict(query(demo_warehouse.pipeline_db, """
        SELECT coalesce(methode, 'niet gekoppeld'), count(*) FROM linkage.person_links
        WHERE kennisstand = 'nieuwste' GROUP BY 1"""))
    assert methods["v_nummer"] > 1000 and methods["demografie"] > 50 and methods["niet gekoppeld"] >= 6
    # The demo's two stays with a mistyped v_nummer *and* day/month swapped: only Splink finds them,
    # each to the right person (the generator's own yardstick links them so) and with p > 0.999.
    from pipelines.demo import build_population, calibration

    assert methods["splink"] == calibration.LINK_SPLINK
    truth = {(s.bron, s.client_id): s.person for s in build_population().stays if s.linkage == "splink"}
    found = query(demo_warehouse.pipeline_db, """
        SELECT bron, client_id, v_nummer, score FROM linkage.person_links
        WHERE kennisstand = 'nieuwste' AND methode = 'splink'""")
    assert {(bron, client): v for bron, client, v, _ in found} == truth
    assert all(score > 0.999 for *_, score in found)
