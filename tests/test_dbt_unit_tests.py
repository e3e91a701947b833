"""The dbt unit tests of the monitor's arithmetic (dbt_project/models/marts/monitor/
_monitor__unit_tests.yml) run here, against a real (empty) DuckDB file, and never in a build.

The inputs of the unit tests are SQL with every column, so dbt needs no built warehouse. To show
the unit tests can fail at all, the same project is given a copy of the test with one figure of
its expectation changed; dbt must report that one as failing and the real one as passing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
UNIT_TESTS = Path("models/marts/monitor/_monitor__unit_tests.yml")
REAL_TEST = "fct_monitor_counts_persons_stays_and_categories"
WRONG_TEST = REAL_TEST + "_wrong_on_purpose"


def _project_with_a_wrong_expectation(tmp: Path) -> Path:
    """A copy of dbt_project/ (and seeds/, which it reads) plus a unit test that must fail:
    the national `aanwezig` at the peildatum is raised from 1 to 2."""
    project = tmp / "dbt_project"
    shutil.copytree(ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    shutil.copytree(ROOT / "seeds", tmp / "seeds")
    spec = yaml.safe_load((project / UNIT_TESTS).read_text(encoding="utf-8"))
    wrong = dict(spec["unit_tests"][0], name=WRONG_TEST)
    rows = [dict(row) for row in wrong["expect"]["rows"]]
    national_now = next(row for row in rows if row["modus"] == "nieuwste" and row["gemeente"] == "totaal")
    national_now["aanwezig"] += 1
    wrong["expect"] = dict(wrong["expect"], rows=rows)
    (project / UNIT_TESTS.with_name("_wrong_unit_test.yml")).write_text(yaml.safe_dump({"unit_tests": [wrong]}), encoding="utf-8")
    return project


def _dbt_test_unit(project: Path, warehouse: Path) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """`dbt test --select test_type:unit` in a fresh process; the results per unit test."""
    target = warehouse / "target"
    command = [
        sys.executable, "-c", "from dbt.cli.main import cli; cli()", "test", "--select", "test_type:unit",
        "--project-dir", str(project), "--profiles-dir", str(project), "--target", "dev",
        "--target-path", str(target), "--log-path", str(warehouse / "logs"),
    ]
    env = {**os.environ, "LVV_WAREHOUSE": str(warehouse)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return done, {result["unique_id"].rsplit(".", 1)[-1]: result for result in results
                  if result["unique_id"].startswith("unit_test.")}


def test_monitor_unit_tests_pass_and_a_wrong_expectation_fails(tmp_path):
    project = _project_with_a_wrong_expectation(tmp_path)
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    done, results = _dbt_test_unit(project, warehouse)
    assert {REAL_TEST, WRONG_TEST} <= set(results), done.stdout[-2000:]
    assert results[WRONG_TEST]["status"] == "fail"
    # Every other unit test of the project (the monitor's, the reconciliation window's) passes.
    failing = {name: result["message"] for name, result in results.items()
               if name != WRONG_TEST and result["status"] != "pass"}
    assert not failing, failing
    assert done.returncode == 1
    assert (warehouse / "lvv.duckdb").exists()  # dbt ran against a real DuckDB file


def test_the_nightly_build_runs_no_unit_tests(demo_warehouse):
    """The build of the demo run ran the data tests but no unit test."""
    run_results = sorted((demo_warehouse.warehouse / "dbt").glob("*/run_results.json"))
    assert run_results, "no dbt run_results.json in the demo warehouse"
    kinds = [result["unique_id"].split(".")[0] for path in run_results
             for result in json.loads(path.read_text(encoding="utf-8"))["results"]]
    assert "test" in kinds and "model" in kinds
    assert "unit_test" not in kinds
