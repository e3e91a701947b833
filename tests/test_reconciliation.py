"""Linkage and reconciliation on constructed cases, through a real in-process Dagster run."""

from __future__ import annotations

import pytest

from pipelines.runner import run_monitor
from tests.cases import build_cases
from tests.feeds import query


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, demo_env):
    tmp = tmp_path_factory.mktemp("reconciliation")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    build_cases().write(landing)
    (warehouse / "review").mkdir(parents=True)
    (warehouse / "review" / "koppelbeslissingen.csv").write_text(
        "bron,client_id,v_nummer,beslissing,beoordelaar,datum,toelichting\n"
        "eindhoven,MANUAL_REJECT,1000000009,AFGEWEZEN,LSO Eindhoven,2020-10-01,andere persoon volgens dossier\n"
        "eindhoven,MANUAL_CONFIRM,1000000011,BEVESTIGD,LSO Eindhoven,2020-10-02,identiteit vastgesteld\n"
        "eindhoven,NOBODY,12345,BEVESTIGD,,,\n",
        encoding="utf-8",
    )
    outcome = run_monitor(landing, warehouse)
    assert outcome.success, outcome.error
    return warehouse / "lvv.duckdb"


def links(db) -> dict[str, tuple]:
    rows = query(db, """
        SELECT client_id, v_nummer, methode, review_reden, v_nummer_wijst_naar_ander, persoon_key
        FROM linkage.person_links WHERE kennisstand = 'nieuwste'""")
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("client,v_nummer,methode", [
    ("EXACT", "1000000001", "v_nummer"),
    ("MISSING_V", "1000000002", "demografie"),
    ("TYPO_V", "1000000003", "demografie"),
    ("ONE_DEMOGRAPHIC_OFF", "1000000004", "v_nummer"),
    ("TYPO_IS_OTHER_PERSON", "1000000005", "demografie"),
    ("MANUAL_CONFIRM", "1000000011", "handmatig"),
    ("SPLINK", "1000000012", "splink"),
])
def test_linked_by_the_right_method(warehouse, client, v_nummer, methode):
    assert links(warehouse)[client][:3] == (v_nummer, methode, None)


@pytest.mark.parametrize("client,reason", [
    ("AMBIGUOUS", "meerdere kandidaten"),
    ("NO_CANDIDATE", "geen kandidaat"),
    ("MANUAL_REJECT", "afgewezen door beoordelaar"),
])
def test_on_the_review_list_with_its_reason(warehouse, client, reason):
    v_nummer, methode, review_reden, *_ = links(warehouse)[client]
    assert (v_nummer, methode, review_reden) == (None, None, reason)
    review_csv = (warehouse.parent / "review" / "reviewlijst.csv").read_text(encoding="utf-8")
    assert f",{client}," in review_csv


def test_a_v_nummer_that_points_to_another_person_is_flagged(warehouse):
    assert links(warehouse)["TYPO_IS_OTHER_PERSON"][3] is True
    assert links(warehouse)["EXACT"][3] is False


def test_the_same_v_nummer_in_two_pilots_is_one_person(warehouse):
    by_client = links(warehouse)
    assert by_client["TWO_PILOTS_U"][4] == by_client["TWO_PILOTS_G"][4]
    assert query(warehouse, "SELECT aantal_pilots FROM marts.dim_persoon WHERE persoon_key = ?",
                 [by_client["TWO_PILOTS_U"][4]]) == [(2,)]


def test_person_keys_are_the_same_in_every_knowledge_state_and_pseudonymous(warehouse):
    rows = query(warehouse, "SELECT count(DISTINCT persoon_key) FROM linkage.person_links WHERE client_id = 'EXACT'")
    assert rows == [(1,)]
    key = links(warehouse)["EXACT"][4]
    assert len(key) == 16 and "1000000001" not in key


def outflow(db) -> dict[str, tuple]:
    rows = query(db, """
        SELECT v.client_id, u.uitstroomreden, u.uitstroomcategorie
        FROM intermediate.int_uitstroom__gereconcilieerd u
        JOIN intermediate.int_verblijven__gekoppeld v USING (kennisstand, verblijf_key)
        WHERE u.kennisstand = 'nieuwste'""")
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("client,category", [
    ("PERMIT_OK", "bestendig_verblijf"),
    ("PERMIT_LATE", "onbevestigd"),
    ("RETURN_EDGE_30", "terugkeer"),
    ("RETURN_EDGE_31", "onbevestigd"),
    ("DEPARTED_BEFORE_INSTROOM", "onbevestigd"),
    ("RETURN_BUT_THIRD_COUNTRY", "doormigratie"),
    ("RETURN_BUT_NOT_DEMONSTRABLE", "mob"),
    ("MOB_NO_DEPARTURE", "mob"),
    ("MOB_BUT_RETURNED", "terugkeer"),
    ("TWO_DEPARTURES_LATEST_WINS", "doormigratie"),
    ("ASYLUM_OK", "asielaanvraag_azc"),
    ("ASYLUM_UNCONFIRMED", "asielaanvraag_azc"),
    ("ART64_OK", "uitstel_art64"),
    ("ART64_UNCONFIRMED", "uitstel_art64"),
    ("BACK_TO_BBB", "terug_bbb"),
    ("FORCED", "gedwongen_beeindigd"),
    ("TWO_PILOTS_U", "overig"),
    ("UNLINKED_PERMIT", "onbevestigd"),
])
def test_reconciled_outflow_category(warehouse, client, category):
    assert outflow(warehouse)[client][1] == category


def conflicts(db) -> dict[str, tuple]:
    rows = query(db, """
        SELECT v.client_id, c.soort_conflict, c.gemeente_claim, c.landelijk_beeld
        FROM intermediate.int_uitstroom__conflicten c
        JOIN intermediate.int_verblijven__gekoppeld v ON v.kennisstand = 'nieuwste' AND v.verblijf_key = c.verblijf_key""")
    return {r[0]: r[1:] for r in rows}


def test_every_conflict_kind_with_both_sides(warehouse):
    found = {client: kind for client, (kind, _, _) in conflicts(warehouse).items()}
    assert found == {
        "PERMIT_LATE": "verblijf_niet_bevestigd",
        "RETURN_EDGE_31": "vertrek_niet_bevestigd",
        "DEPARTED_BEFORE_INSTROOM": "vertrek_niet_bevestigd",
        "RETURN_BUT_THIRD_COUNTRY": "andere_bestemming",
        "RETURN_BUT_NOT_DEMONSTRABLE": "vertrek_niet_aantoonbaar",
        "MOB_BUT_RETURNED": "vertrek_wel_aantoonbaar",
        "ASYLUM_UNCONFIRMED": "asielaanvraag_niet_bevestigd",
        "ART64_UNCONFIRMED": "art64_niet_bevestigd",
        "UNLINKED_PERMIT": "niet_te_controleren",
        "PRESENT_BUT_DEPARTED": "aanwezig_maar_vertrokken",
    }
    kind, claim, national = conflicts(warehouse)["RETURN_BUT_THIRD_COUNTRY"]
    assert claim == "TERUGKEER" and national == "DT&V: vertrek op 2020-03-02 (doormigratie)"


@pytest.mark.parametrize("client,reasons", [
    ("SCOPE_GEZIN", ["GEZIN"]),
    ("SCOPE_EU", ["EU_BURGER"]),
    ("SCOPE_BAN", ["INREISVERBOD_ZWAAR"]),
    ("SCOPE_BAN_ENDED", []),
    ("SCOPE_DUBLIN", ["DUBLINCLAIM"]),
    ("SCOPE_PENDING_ASYLUM", ["RIJKSOPVANG"]),
    ("SCOPE_DECIDED_ASYLUM", []),
    ("SCOPE_NO_TIES", ["GEEN_REGIOBINDING"]),
    ("SCOPE_SAFE_COUNTRY_IN", []),
])
def test_target_group_rules(warehouse, client, reasons):
    rows = query(warehouse, """
        SELECT d.in_doelgroep, d.buiten_doelgroep_redenen
        FROM intermediate.int_verblijven__doelgroep d
        JOIN intermediate.int_verblijven__gekoppeld v USING (kennisstand, verblijf_key)
        WHERE d.kennisstand = 'nieuwste' AND v.client_id = ?""", [client])
    assert rows == [(not reasons, reasons)]
