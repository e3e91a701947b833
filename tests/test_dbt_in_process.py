"""dbt-core inside the run's process (pipelines/defs/dbt_in_process.py): one parse for every
warehouse, the database released after each build, failures that name what failed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.defs.dbt_in_process import parsed_project
from pipelines.ingest import ingest_landing
from pipelines.runner import RunOutcome, run_monitor
from tests.cases import build_cases
from tests.feeds import query

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    landing: Path
    warehouse: Path
    outcome: RunOutcome


@pytest.fixture(scope="module")
def cases_run(tmp_path_factory, demo_env) -> Run:
    tmp = tmp_path_factory.mktemp("dbt_in_process")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    build_cases().write(landing)
    outcome = run_monitor(landing, warehouse)
    assert outcome.success, f"{outcome.failed_step}: {outcome.error}"
    return Run(landing, warehouse, outcome)


def _open_for_writing_in_another_process(db: Path) -> subprocess.CompletedProcess:
    script = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('CREATE TABLE main.t AS SELECT 1 AS x'); c.close()"
    return subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, cwd=ROOT)


def test_after_a_run_no_process_finds_the_pipeline_database_locked(cases_run):
    opened = _open_for_writing_in_another_process(cases_run.warehouse / "lvv.duckdb")
    assert opened.returncode == 0, opened.stderr


def test_dbt_artifacts_and_log_are_kept_per_warehouse(cases_run):
    for step, expected in (("dbt_staging", "stg_gemeente__verblijven"), ("dbt_reconciliation_and_marts", "fct_monitor")):
        results = json.loads((cases_run.warehouse / "dbt" / step / "run_results.json").read_text(encoding="utf-8"))
        built = {r["unique_id"].split(".")[-1] for r in results["results"] if r["status"] == "success"}
        assert expected in built
        assert all(r["status"] in ("success", "pass") for r in results["results"])
    assert "fct_monitor" in (cases_run.warehouse / "logs" / "dbt.log").read_text(encoding="utf-8")


def test_a_failing_dbt_test_stops_the_run_and_names_the_test(cases_run, tmp_path):
    """A second warehouse, raw zone taken, then sabotaged: a stay twice in one delivery."""
    landing, warehouse = cases_run.landing, tmp_path / "warehouse"
    parsed_before = parsed_project()
    ingest_landing(landing, warehouse / "lvv.duckdb")
    import duckdb

    con = duckdb.connect(str(warehouse / "lvv.duckdb"))
    [(delivery_id,)] = con.execute(
        "INSERT INTO raw.gemeente_verblijven SELECT * REPLACE (row_number + 1000 AS row_number) "
        "FROM raw.gemeente_verblijven LIMIT 1 RETURNING delivery_id").fetchall()
    # Keep the ledger balanced, so the row-conservation check lets it through to dbt.
    con.execute("UPDATE raw.deliveries SET rows_read = rows_read + 1, rows_loaded = rows_loaded + 1 "
                "WHERE delivery_id = ?", [delivery_id])
    con.close()

    outcome = run_monitor(landing, warehouse)

    assert not outcome.success
    assert outcome.failed_step == "dbt_staging"
    assert "unique_combination_of_columns_stg_gemeente__verblijven" in outcome.error
    assert "dbt.log" in outcome.error
    # Nothing after the failed step ran: no marts, nothing published.
    assert not (warehouse / "monitor.duckdb").exists()
    assert query(warehouse / "lvv.duckdb", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'") == [(0,)]
    # Another warehouse folder, the same parse: nothing was parsed again.
    assert parsed_project() is parsed_before
    opened = _open_for_writing_in_another_process(warehouse / "lvv.duckdb")
    assert opened.returncode == 0, opened.stderr


def test_a_changed_threshold_is_parsed_again(monkeypatch, demo_env):
    """dbt reads the deviation thresholds while parsing; a new value needs a new parse."""
    before = parsed_project()
    monkeypatch.setenv("LVV_VEILIG_LAND_MAANDEN", "7")
    after = parsed_project()
    assert after is not before
    assert after.env_vars["LVV_VEILIG_LAND_MAANDEN"] == "7"
    monkeypatch.delenv("LVV_VEILIG_LAND_MAANDEN")
    assert parsed_project() is not after


def test_a_subset_picked_in_the_ui_builds_only_that_subset(cases_run):
    """Materializing one model of a dbt asset (as from the UI) runs that model and its tests only."""
    import dagster as dg

    from pipelines.config import Paths
    from pipelines.definitions import build_definitions

    defs = build_definitions(Paths(landing=cases_run.landing, warehouse=cases_run.warehouse))
    wanted = dg.AssetKey(["staging", "stg_ind__maatregelen"])
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={wanted})
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success
    materialized = {e.asset_key for e in result.all_events if e.is_step_materialization}
    assert materialized == {wanted}
    checked = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert {c.asset_key for c in checked} == {wanted} and len(checked) == 3 and all(c.passed for c in checked)
    results = json.loads((cases_run.warehouse / "dbt" / "dbt_staging" / "run_results.json").read_text(encoding="utf-8"))
    assert {r["unique_id"].split(".")[2] for r in results["results"] if r["unique_id"].startswith("model.")} == {"stg_ind__maatregelen"}
