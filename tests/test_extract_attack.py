"""Attack test of the extract (issue 13): an outsider who knows the public rule "suppressed means
1–9" (and that a secondary suppression hides a published-size count) tries to pin down suppressed
cells exactly, by an exact interval audit (LP, HiGHS) over every relation between the tables,
and then again with the microdata of the same extract (stays counted into the instroom and
uitstroom cells, persons into the monitor's person cells: ooit_opgevangen, aanwezig, scenario_*,
buiten_doelgroep). The attack reads the files as written: the suppressed cells are those the
package lists in `onderdrukte_cellen`."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.extract.aggregates import TOTAL, build_aggregates, monitor_cell
from pipelines.extract.audit import microdata_evidence, recovered_cells
from pipelines.extract.microdata import read_stays, released_qi_keys
from pipelines.extract.sdc import MIN_CELL, k_anonymity_violations
from tests.test_extract import PEILDATUM, extract, published  # noqa: F401  (fixtures)


def _read(folder: Path, table: str) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT * FROM read_parquet('{folder / (table + '.parquet')}')").fetchdf()
    finally:
        con.close()


def attack_input(published_db: Path, folder: Path, peildatum=PEILDATUM):
    """The true cells (published ones are what the attacker reads), the relations, the package's
    suppressed cells and the package's microdata."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        agg = build_aggregates(con, read_stays(con, peildatum), peildatum, MIN_CELL)
    finally:
        con.close()
    bron_of = {g: b for b, g, _ in agg.pilots} | {TOTAL: TOTAL}
    status = {}
    for row in _read(folder, "onderdrukte_cellen").itertuples():
        if row.tabel == "monitor_peildatum":
            status[monitor_cell(bron_of[row.rij], row.kolom)] = row.soort
        elif row.tabel == "instroom_per_kwartaal":
            status[("instroom", row.rij, row.kwartaal)] = row.soort
        else:
            status[("uitstroom", row.rij, row.kwartaal, row.kolom)] = row.soort
    removed = json.loads((folder / "manifest.json").read_text())["disclosure_control"]["records_verwijderd"]
    return agg, status, _read(folder, "verblijven"), removed


@pytest.fixture(scope="module")
def attacked(published, extract):  # noqa: F811
    """The attack's input for the test fixture's extract (built once: the aggregates take a while)."""
    return attack_input(published, extract[0])


def test_no_suppressed_cell_is_recoverable_from_the_tables(attacked):
    agg, status, _, _ = attacked
    assert sum(1 for s in status.values() if s == "primair") > 0  # the attack has something to attack
    assert recovered_cells(agg.values, agg.constraints, status, MIN_CELL) == {}


def test_no_suppressed_cell_is_recoverable_with_the_microdata(attacked):
    agg, status, microdata, removed = attacked
    evidence = microdata_evidence(microdata, agg.values, status, removed)
    # The microdata do bound suppressed cells of every kind the issue names.
    bounded = {c for _, cells, _ in evidence.groups for c in cells} | set(evidence.person_bounds)
    assert {c[0] for c in bounded & set(status)} >= {"instroom", "uitstroom"}
    recovered = recovered_cells(agg.values, agg.constraints, status, MIN_CELL, evidence)
    assert recovered == {}, f"{len(recovered)} of {len(status)} suppressed cells recovered"


def test_in_doelgroep_false_per_pilot_no_longer_gives_buiten_doelgroep(attacked):
    # The attack: count the microdata's persons with in_doelgroep = false per pilot.
    agg, status, microdata, removed = attacked
    suppressed = [c for c in status if c[0] == "monitor" and c[2] == "buiten_doelgroep"]
    assert suppressed, "the fixture must have suppressed buiten_doelgroep cells for the attack to mean something"
    out = microdata[microdata["in_doelgroep"].eq(False).fillna(False)]
    counted = out.groupby("pilot")["persoon_pseudoniem"].nunique()
    # Their records have the pilot hidden: counting per pilot finds none of them.
    assert all(counted.get(cell[1], 0) == 0 for cell in suppressed)
    # So the attacker's bounds for each of them span more than one value (and hold the truth).
    evidence = microdata_evidence(microdata, agg.values, status, removed)
    for cell in suppressed:
        low, high = evidence.person_bounds[cell]
        assert low <= agg.values[cell] <= high and high > low, cell


def test_scenario_cells_are_bounded_but_not_recovered(attacked):
    agg, status, microdata, removed = attacked
    evidence = microdata_evidence(microdata, agg.values, status, removed)
    scenario = [c for c in agg.values if c[0] == "monitor" and c[2].startswith("scenario_")]
    for cell in scenario:  # the bounds are true bounds: the real figure lies in them
        low, high = evidence.person_bounds[cell]
        assert low <= agg.values[cell] <= high, cell
    hidden = [c for c in scenario if c in status]
    present = microdata[microdata["uitstroomcategorie"].isna() & microdata["uitstroomperiode"].isna()
                        & microdata["in_doelgroep"].eq(True).fillna(False)]
    counted = present.groupby(["pilot", "scenario"])["persoon_pseudoniem"].nunique()
    for cell in hidden:
        assert counted.get((cell[1], cell[2].removeprefix("scenario_")), 0) != agg.values[cell], cell
    assert not set(recovered_cells(agg.values, agg.constraints, status, MIN_CELL, evidence)) & set(scenario)


def test_in_doelgroep_is_a_quasi_identifier(extract):  # noqa: F811
    microdata = _read(extract[0], "verblijven")
    keys = released_qi_keys(microdata)
    assert "in_doelgroep" in keys.columns
    assert k_anonymity_violations(keys, 5).empty


def test_the_demo_run_extract_withstands_the_attack(demo_warehouse, tmp_path):
    # The measurement was on the demo: 14 cells recovered from the tables, 89 with the
    # microdata, and every suppressed buiten_doelgroep cell by counting in_doelgroep = false.
    from pipelines.extract import write_extract
    from pipelines.publish import publish_warehouse

    published_file = publish_warehouse(demo_warehouse.pipeline_db, tmp_path / "wh")
    write_extract(published_file, PEILDATUM, tmp_path / "extract")
    agg, status, microdata, removed = attack_input(published_file, tmp_path / "extract")
    assert any(c[0] == "monitor" and c[2] == "buiten_doelgroep" for c in status)
    assert recovered_cells(agg.values, agg.constraints, status, MIN_CELL) == {}
    evidence = microdata_evidence(microdata, agg.values, status, removed)
    assert recovered_cells(agg.values, agg.constraints, status, MIN_CELL, evidence) == {}
    assert k_anonymity_violations(released_qi_keys(microdata), 5).empty
