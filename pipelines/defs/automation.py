"""The nightly job, its schedule (02:00 Europe/Amsterdam) and the landing-folder sensor."""


import hashlib
from pathlib import Path

import dagster as dg

from pipelines import nightly_fingerprint
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.landing import scan_landing
from pipelines.pseudonym import key_problem

NIGHTLY_JOB = dg.define_asset_job(
    "nightly_monitor",
    selection=dg.AssetSelection.all(),
    description="The whole monitor: landing → raw zone → dbt (staging, intermediate, marts) and checks.",
)

def key_skip_reason(demo: bool | None = None) -> dg.SkipReason | None:
    """A run without a usable pseudonym key would do all the ingest and dbt work and then fail at
    `person_linkage`: skip it, saying why and what to do, instead (the key is never shown)."""
    problem = key_problem(demo)
    return dg.SkipReason(f"geen run gestart: {problem}") if problem else None


@dg.schedule(
    name="nightly_monitor_0200",
    job=NIGHTLY_JOB,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Amsterdam",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every night at 02:00 Amsterdam time; a night with nothing new, or without a usable key, "
        "is a skipped tick with the reason, not a run."
    ),
)
def nightly_schedule(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    """The nightly run, unless nothing changed since the last good publish (the tick then shows
    as skipped in the UI with the reason, and the night is written to the run ledger), or
    without a usable pseudonym key (skipped with what to do)."""
    no_key = key_skip_reason(warehouse.demo_mode)
    if no_key:
        return no_key
    decision = nightly_fingerprint.decide(warehouse.paths.landing, warehouse.paths.warehouse, demo=warehouse.demo_mode)
    if not decision.rebuild:
        _record_skipped_night(warehouse, "dagster schedule")
        return dg.SkipReason(decision.reason)
    return dg.RunRequest(tags={"lvv/reden": decision.reason[:200]})


def _record_skipped_night(warehouse: WarehouseResource, kind: str) -> None:
    from pipelines import runs

    run_id = runs.begin_run(warehouse.paths.warehouse, kind)
    runs.end_run(warehouse.paths.warehouse, run_id, "overgeslagen")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[NIGHTLY_JOB],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a successful nightly run: records what it was built from, so a night with nothing new is skipped.",
)
def record_good_publish(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
    paths = warehouse.paths
    decision = nightly_fingerprint.decide(paths.landing, paths.warehouse, force=True, demo=warehouse.demo_mode)
    nightly_fingerprint.record(paths.warehouse, decision.state)


def landing_fingerprint(landing: Path) -> str:
    """A hash over the name, size and modification time of every delivery in the landing folder."""
    digest = hashlib.sha256()
    for candidate in scan_landing(landing).candidates:
        stat = candidate.path.stat()
        digest.update(f"{candidate.relative_path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    job=NIGHTLY_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when a delivery lands, changes or disappears in the landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    if skip := key_skip_reason(warehouse.demo_mode):
        return skip  # the cursor stays: the run starts once the key is there
    fingerprint = landing_fingerprint(warehouse.paths.landing)
    if fingerprint == context.cursor:
        return dg.SkipReason("geen nieuwe of gewijzigde leveringen")
    context.update_cursor(fingerprint)
    decision = nightly_fingerprint.decide(warehouse.paths.landing, warehouse.paths.warehouse, demo=warehouse.demo_mode)
    if not decision.rebuild:  # e.g. a file touched or copied again with the same bytes
        return dg.SkipReason(decision.reason)
    return dg.RunRequest(run_key=fingerprint)
