"""All of Dagster's definitions live in `pipelines/defs/` and are collected from there (issue 14).

pipelines/definitions.py lists nothing by hand: Dagster's `load_from_defs_folder` finds the
objects of the folder's modules. These tests compare what is collected with what the modules
define, object by object, so a module (or an object) the loading misses fails here; and they
fail when a Dagster asset, check, job, schedule or sensor is declared outside the folder.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import dagster as dg
import pytest

import pipelines.defs
from pipelines.config import DEFAULT_LANDING, DEFAULT_WAREHOUSE, Paths
from pipelines.definitions import build_definitions
from pipelines.defs.resources import WarehouseResource, warehouse_resource

ROOT = Path(__file__).resolve().parents[1]
DEFS_DIR = ROOT / "pipelines" / "defs"
# The decorators and factories that declare a Dagster definition.
DECLARING = {"asset", "multi_asset", "asset_check", "multi_asset_check", "dbt_assets", "schedule", "sensor",
             "run_status_sensor", "define_asset_job"}


def _module_objects() -> dict[str, list[object]]:
    """Every module of `pipelines/defs/` with the Dagster objects it holds at module level (lists
    of them too), as Dagster's loader sees a module."""
    found: dict[str, list[object]] = {}
    for info in pkgutil.iter_modules(pipelines.defs.__path__, prefix="pipelines.defs."):
        module = importlib.import_module(info.name)
        objects: list[object] = []
        for value in vars(module).values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, (dg.AssetsDefinition, dg.ScheduleDefinition, dg.SensorDefinition,
                                     dg.JobDefinition)) or type(item).__name__ == "UnresolvedAssetJobDefinition":
                    objects.append(item)
        found[info.name] = objects
    return found


@pytest.fixture(scope="module")
def definitions(tmp_path_factory) -> dg.Definitions:
    root = tmp_path_factory.mktemp("defs")
    return build_definitions(Paths(landing=root / "landing", warehouse=root / "warehouse"), demo=True)


def test_every_asset_and_check_of_a_defs_module_is_collected(definitions):
    graph = definitions.resolve_asset_graph()
    collected_assets = set(graph.get_all_asset_keys())
    collected_checks = set(graph.asset_check_keys)
    missing = {}
    for module, objects in _module_objects().items():
        assets = {key for obj in objects if isinstance(obj, dg.AssetsDefinition) for key in obj.keys}
        checks = {key for obj in objects if isinstance(obj, dg.AssetsDefinition) for key in obj.check_keys}
        lost = sorted(k.to_user_string() for k in assets - collected_assets) + sorted(
            f"{k.asset_key.to_user_string()}:{k.name}" for k in checks - collected_checks)
        if lost:
            missing[module] = lost
    assert not missing, f"defined under pipelines/defs/ but not collected: {missing}"


def test_every_job_schedule_and_sensor_of_a_defs_module_is_collected(definitions):
    repository = definitions.get_repository_def()
    collected = {
        "schedule": {s.name for s in repository.schedule_defs},
        "sensor": {s.name for s in repository.sensor_defs},
        "job": {j.name for j in repository.get_all_jobs()},
    }
    missing = []
    for module, objects in _module_objects().items():
        for obj in objects:
            kind = ("schedule" if isinstance(obj, dg.ScheduleDefinition) else "sensor"
                    if isinstance(obj, dg.SensorDefinition) else "job" if not isinstance(obj, dg.AssetsDefinition)
                    else None)
            if kind and obj.name not in collected[kind]:
                missing.append(f"{module}: {kind} {obj.name}")
    assert not missing, f"defined under pipelines/defs/ but not collected: {missing}"


def test_the_comparison_sees_each_area():
    """Not vacuous: the modules' objects are seen, one module per area (issue 14)."""
    objects = _module_objects()
    keys = {key.to_user_string() for objs in objects.values() for obj in objs
            if isinstance(obj, dg.AssetsDefinition) for key in obj.keys}
    assert {"raw/landing_scan", "linkage/person_links", "marts/fct_monitor", "published/monitor",
            "published/report", "published/docs"} <= keys
    for area in ("ingest_assets", "dbt_assets", "linkage_assets", "publish_assets", "report_assets", "docs_assets",
                 "expectation_checks", "automation"):
        assert objects[f"pipelines.defs.{area}"], f"pipelines/defs/{area}.py defines nothing"


def _declarations(path: Path) -> list[str]:
    """`name:line` of every Dagster declaration (decorator or job factory) in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            targets = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
        elif isinstance(node, ast.Call):
            targets = [node.func]
        for target in targets:
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if name in DECLARING:
                found.append(f"{name}:{node.lineno}")
    return found


def test_no_dagster_definition_outside_the_defs_folder():
    outside = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "pipelines").rglob("*.py")) if DEFS_DIR not in path.parents
        for found in [_declarations(path)] if found
    }
    assert not outside, f"Dagster definitions belong in pipelines/defs/: {outside}"


def test_the_declaration_scan_finds_one():
    """Not vacuous: the scan recognises the declarations the defs modules use."""
    assert _declarations(DEFS_DIR / "publish_assets.py")
    assert _declarations(DEFS_DIR / "automation.py")


# --- The warehouse resource: dg.EnvVar when the variable is set, the defaults of config.py if not. ---


def _resolved(resource) -> tuple:
    """The resource as a run sees it: Dagster resolves its EnvVars when the run starts."""
    seen = []

    @dg.asset
    def probe(warehouse: WarehouseResource) -> None:
        seen.append((warehouse.paths, warehouse.demo_mode))

    assert dg.materialize([probe], resources={"warehouse": resource}).success
    return seen[0]


def test_the_resource_names_the_variables_and_dagster_reads_them_when_the_run_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("LVV_LANDING", str(tmp_path / "l1"))
    monkeypatch.setenv("LVV_WAREHOUSE", str(tmp_path / "w1"))
    monkeypatch.setenv("LVV_DEMO", "ja")
    resource = warehouse_resource()
    assert {getattr(resource, f).env_var_name for f in ("landing_dir", "warehouse_dir", "demo")} == {
        "LVV_LANDING", "LVV_WAREHOUSE", "LVV_DEMO"}
    monkeypatch.setenv("LVV_LANDING", str(tmp_path / "l2"))  # changed after the definitions were loaded
    paths, demo = _resolved(resource)
    assert paths == Paths(landing=tmp_path / "l2", warehouse=tmp_path / "w1") and demo is True


def test_without_the_variables_the_defaults_of_config_apply(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the defaults are relative to the working folder
    for name in ("LVV_LANDING", "LVV_WAREHOUSE", "LVV_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LVV_WAREHOUSE", "")  # empty means the default, as config.py reads it
    paths, demo = _resolved(warehouse_resource())
    assert paths == Paths(landing=tmp_path / DEFAULT_LANDING, warehouse=tmp_path / DEFAULT_WAREHOUSE)
    assert demo is None  # not configured: pipelines/pseudonym.py asks LVV_DEMO itself


def test_explicit_paths_and_demo_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LVV_WAREHOUSE", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("LVV_DEMO", "1")
    paths, demo = _resolved(warehouse_resource(Paths(tmp_path / "l", tmp_path / "w"), demo=False))
    assert paths == Paths(tmp_path / "l", tmp_path / "w") and demo is False
