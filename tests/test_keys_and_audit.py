"""Outside demo mode a weak key is refused before any work and the sensor skips with the reason;
the extract's attack audit finds a cell that the public rule "suppressed means 1–9" gives away."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.defs.automation import landing_sensor
from pipelines.defs.resources import WarehouseResource
from pipelines.extract.audit import recovered_cells
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
