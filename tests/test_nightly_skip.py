"""A night with nothing new is cheap: the run is skipped, unless something changed or --force."""

from __future__ import annotations

import hashlib
import time

import dagster as dg
import pytest

from pipelines import runs
from pipelines.defs.automation import nightly_schedule, record_good_publish
from pipelines.defs.resources import WarehouseResource
from pipelines.runner import run_monitor
from tests.feeds import query


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _evaluate_schedule(landing, warehouse):
    resource = WarehouseResource(landing_dir=str(landing), warehouse_dir=str(warehouse))
    with dg.build_schedule_context(resources={"warehouse": resource}) as context:
        return nightly_schedule.evaluate_tick(context)


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_env):
    from pipelines.demo import write_demo_feeds

    tmp = tmp_path_factory.mktemp("nightly_skip")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    write_demo_feeds(landing)
    outcome = run_monitor(landing, warehouse)
    assert outcome.success and not outcome.skipped, f"{outcome.failed_step}: {outcome.error}"
    return landing, warehouse


def test_a_second_night_with_nothing_new_is_skipped_and_leaves_the_publication_as_it_was(built):
    landing, warehouse = built
    published = warehouse / "monitor.duckdb"
    before, stat_before = _sha(published), published.stat().st_mtime_ns
    started = time.monotonic()
    outcome = run_monitor(landing, warehouse)
    seconds = time.monotonic() - started
    assert outcome.success and outcome.skipped
    assert seconds <= 5, f"a night with nothing new took {seconds:.1f} s"
    assert _sha(published) == before and published.stat().st_mtime_ns == stat_before
    assert runs.read_runs(warehouse)[-1].outcome == "overgeslagen"


def test_the_schedule_reports_a_skip_not_a_failure_when_nothing_is_new(built):
    landing, warehouse = built
    result = _evaluate_schedule(landing, warehouse)
    assert result.skip_message and "niets nieuws" in result.skip_message
    assert not result.run_requests
    assert runs.read_runs(warehouse)[-1].kind == "dagster schedule"
    assert runs.read_runs(warehouse)[-1].outcome == "overgeslagen"


def test_force_rebuilds_and_publishes_again(built):
    landing, warehouse = built
    mtime_before = (warehouse / "monitor.duckdb").stat().st_mtime_ns
    outcome = run_monitor(landing, warehouse, force=True)
    assert outcome.success and not outcome.skipped
    assert (warehouse / "monitor.duckdb").stat().st_mtime_ns != mtime_before
    assert runs.read_runs(warehouse)[-1].outcome == "geslaagd"


def test_a_corrected_delivery_rebuilds_and_the_schedule_asks_for_a_run(built):
    landing, warehouse = built
    newest = sorted((landing / "utrecht").glob("utrecht_verblijven_*"))[-1]
    data = newest.read_bytes()
    newest.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n"))  # same rows, other bytes: a correction
    if newest.read_bytes() == data:
        newest.write_bytes(data.rstrip(b"\n") + b"\r\n")
    result = _evaluate_schedule(landing, warehouse)
    assert result.run_requests and not result.skip_message
    assert "nieuwe of gewijzigde levering" in result.run_requests[0].tags["lvv/reden"]
    delivered_before = query(warehouse / "lvv.duckdb", "SELECT count(*) FROM raw.deliveries")[0][0]
    outcome = run_monitor(landing, warehouse)
    assert outcome.success and not outcome.skipped
    assert query(warehouse / "lvv.duckdb", "SELECT count(*) FROM raw.deliveries")[0][0] == delivered_before + 1
    # After that good run the next night is quiet again.
    assert run_monitor(landing, warehouse).skipped


def test_a_changed_threshold_rebuilds(built, monkeypatch):
    landing, warehouse = built
    monkeypatch.setenv("LVV_MAX_QUARANTAINE_AANDEEL", "0.2")
    result = _evaluate_schedule(landing, warehouse)
    assert result.run_requests and "drempels" in result.run_requests[0].tags["lvv/reden"]


def test_a_successful_dagster_run_records_what_it_was_built_from(built):
    landing, warehouse = built
    (warehouse / "nightly_fingerprint.json").unlink()
    assert _evaluate_schedule(landing, warehouse).run_requests  # nothing recorded: build
    resource = WarehouseResource(landing_dir=str(landing), warehouse_dir=str(warehouse))
    with dg.instance_for_test() as instance:
        with dg.build_run_status_sensor_context(
            sensor_name=record_good_publish.name, dagster_instance=instance,
            dagster_run=dg.DagsterRun(job_name="nightly_monitor", run_id="x"),
            dagster_event=dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name="nightly_monitor"),
            resources={"warehouse": resource},
        ) as context:
            record_good_publish(context)
    assert _evaluate_schedule(landing, warehouse).skip_message
