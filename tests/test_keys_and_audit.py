"""Outside demo mode a weak key is refused before any work and the sensor skips with the reason;
the extract's attack audit finds a cell that the public rule "suppressed means 1–9" gives away."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from pipelines.defs.automation import landing_sensor
from pipelines.defs.resources import WarehouseResource
from pipelines.extract.audit import audit, microdata_evidence, recovered_cells
from pipelines.extract.cells import Constraint
from pipelines.pseudonym import DEMO_KEY, WeakPseudonymKey, pseudonym_key


@pytest.fixture
def no_demo(monkeypatch):
    monkeypatch.delenv("LVV_DEMO", raising=False)
    monkeypatch.delenv("LVV_PSEUDONYM_KEY", raising=False)
    return monkeypatch


@pytest.mark.parametrize("key,reason", [(DEMO_KEY, "demosleutel"), ("x", r"te kort \(1 bytes"), ("k" * 31, r"te kort \(31")])
def test_weak_keys_are_refused_outside_demo_mode(no_demo, key, reason):
    no_demo.setenv("LVV_PSEUDONYM_KEY", key)
    with pytest.raises(WeakPseudonymKey, match=reason):
        pseudonym_key()
    no_demo.setenv("LVV_DEMO", "1")
    assert pseudonym_key() == key.encode()  # the demo accepts anything: its outputs are marked demo


def test_a_key_of_32_bytes_is_accepted(no_demo):
    no_demo.setenv("LVV_PSEUDONYM_KEY", "k" * 32)
    assert pseudonym_key() == b"k" * 32


def test_the_run_command_stops_before_any_work(no_demo, tmp_path, capsys):
    from pipelines.cli import main

    (tmp_path / "landing" / "utrecht").mkdir(parents=True)
    (tmp_path / "landing" / "utrecht" / "x.csv").write_text("x\n")
    no_demo.setenv("LVV_PSEUDONYM_KEY", "kort")
    assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "wh")]) == 2
    assert "te kort" in capsys.readouterr().err
    assert not (tmp_path / "wh" / "lvv.duckdb").exists()


def test_the_sensor_skips_with_the_reason_when_the_key_is_missing(no_demo, tmp_path):
    resource = WarehouseResource(landing_dir=str(tmp_path / "landing"), warehouse_dir=str(tmp_path / "wh"))
    with dg.build_sensor_context(resources={"warehouse": resource}) as context:  # the resource has a lifecycle
        result = landing_sensor(context)
    assert isinstance(result, dg.SkipReason) and "LVV_PSEUDONYM_KEY is niet gezet" in result.skip_message


def test_the_audit_recovers_two_nines_from_a_total():
    # The case: total 95, visible 40 + 37, two suppressed cells < 10 leave 18: both 9.
    values = {("t",): 95, ("a",): 40, ("b",): 37, ("c",): 9, ("d",): 9}
    constraints = [Constraint(("t",), (("a",), ("b",), ("c",), ("d",)))]
    assert recovered_cells(values, constraints, {("c",): "primair", ("d",): "primair"}, 10) == {("c",): 9, ("d",): 9}
    # With the total suppressed as well (secondary) nothing is pinned down.
    status = {("c",): "primair", ("d",): "primair", ("t",): "secundair", ("b",): "secundair"}
    assert recovered_cells(values, constraints, status, 10) == {}


def _records(rows: list[tuple]) -> pd.DataFrame:
    """Released microdata records: (person, pilot, in_doelgroep, instroomperiode)."""
    return pd.DataFrame([
        {"persoon_pseudoniem": person, "pilot": pilot, "in_doelgroep": scope, "instroomperiode": period,
         "uitstroomperiode": None, "uitstroomcategorie": None, "scenario": "geen"}
        for person, pilot, scope, period in rows
    ])


def _instroom_table():
    values = {("instroom", "a", "2020-K1"): 5, ("instroom", "a", "2020-K2"): 12, ("instroom", "a", "totaal"): 17,
              ("instroom", "b", "2020-K1"): 20, ("instroom", "b", "2020-K2"): 20, ("instroom", "b", "totaal"): 40,
              ("instroom", "totaal", "2020-K1"): 25, ("instroom", "totaal", "2020-K2"): 32,
              ("instroom", "totaal", "totaal"): 57}
    constraints = [Constraint(("instroom", b, "totaal"), (("instroom", b, "2020-K1"), ("instroom", b, "2020-K2")))
                   for b in ("a", "b", "totaal")]
    constraints += [Constraint(("instroom", "totaal", q), (("instroom", "a", q), ("instroom", "b", q)))
                    for q in ("2020-K1", "2020-K2", "totaal")]
    status = {("instroom", "a", "2020-K1"): "primair", ("instroom", "a", "2020-K2"): "secundair",
              ("instroom", "b", "2020-K1"): "secundair", ("instroom", "b", "2020-K2"): "secundair"}
    return values, constraints, status


def test_the_audit_counts_the_microdata_into_the_cells():
    values, constraints, status = _instroom_table()
    # The tables alone leave a-K1 between 1 and 7 (a-K2 = 17 - a-K1 is at least 10).
    assert recovered_cells(values, constraints, status, 10) == {}
    assert audit(values, constraints, status, 10)[("instroom", "a", "2020-K1")] == pytest.approx((1, 7))
    people = iter(range(10_000))
    by_quarter = _records([(next(people), "a", True, "2020-01")] * 5 + [(next(people), "a", True, "2020-K2")] * 12
                          + [(next(people), "b", True, "2020")] * 40)
    recovered = recovered_cells(values, constraints, status, 10, microdata_evidence(by_quarter, values, status))
    assert recovered[("instroom", "a", "2020-K1")] == 5
    # Released by year only (and one record with the pilot suppressed) they pin nothing.
    by_year = _records([(next(people), "a", True, "2020")] * 16 + [(next(people), None, True, "2020")]
                       + [(next(people), "b", True, "2020")] * 40)
    assert recovered_cells(values, constraints, status, 10, microdata_evidence(by_year, values, status)) == {}
    # A record that may be out of scope (in_doelgroep suppressed) may lie in no cell at all.
    maybe = _records([(next(people), "a", None, "2020")] * 17 + [(next(people), "b", True, "2020")] * 40)
    assert recovered_cells(values, constraints, status, 10, microdata_evidence(maybe, values, status)) == {}


def test_the_audit_counts_persons_out_of_scope_per_pilot():
    # The attack: in_doelgroep = false per pilot gives buiten_doelgroep.
    values = {("monitor", "a", "buiten_doelgroep"): 3, ("monitor", "b", "buiten_doelgroep"): 4,
              ("monitor", "totaal", "buiten_doelgroep"): 7,
              ("instroom", "a", "2020-K1"): 0, ("instroom", "b", "2020-K1"): 0}
    constraints = [Constraint(("monitor", "totaal", "buiten_doelgroep"),
                              (("monitor", "a", "buiten_doelgroep"), ("monitor", "b", "buiten_doelgroep")))]
    status = {("monitor", "a", "buiten_doelgroep"): "primair", ("monitor", "b", "buiten_doelgroep"): "primair"}
    assert recovered_cells(values, constraints, status, 10) == {}
    by_pilot = _records([(f"a{i}", "a", False, "2020") for i in range(3)] + [(f"b{i}", "b", False, "2020") for i in range(4)])
    assert recovered_cells(values, constraints, status, 10, microdata_evidence(by_pilot, values, status)) == {
        ("monitor", "a", "buiten_doelgroep"): 3, ("monitor", "b", "buiten_doelgroep"): 4}
    # With the pilot hidden for these records (microdata.coordination_masks) only their sum is known.
    hidden = by_pilot.assign(pilot=None)
    assert recovered_cells(values, constraints, status, 10, microdata_evidence(hidden, values, status)) == {}
