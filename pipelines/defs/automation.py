"""The nightly job, its schedule (02:00 Europe/Amsterdam) and the landing-folder sensor."""


import hashlib
from pathlib import Path

import dagster as dg

from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.landing import scan_landing
from pipelines.pseudonym import key_problem

NIGHTLY_JOB = dg.define_asset_job(
    "nightly_monitor",
    selection=dg.AssetSelection.all(),
    description="The whole monitor: landing → raw zone → dbt (staging, intermediate, marts) and checks.",
)

def key_skip_reason() -> dg.SkipReason | None:
    """A run without a usable pseudonym key would do all the ingest and dbt work and then fail at
    `person_linkage`: skip it, saying why and what to do, instead (the key is never shown)."""
    problem = key_problem()
    return dg.SkipReason(f"geen run gestart: {problem}") if problem else None


@dg.schedule(
    name="nightly_monitor_0200",
    job=NIGHTLY_JOB,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Amsterdam",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Amsterdam time (skipped, with the reason, without a usable key).",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext):
    return key_skip_reason() or dg.RunRequest()


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
    if skip := key_skip_reason():
        return skip  # the cursor stays: the run starts once the key is there
    fingerprint = landing_fingerprint(warehouse.paths.landing)
    if fingerprint == context.cursor:
        return dg.SkipReason("geen nieuwe of gewijzigde leveringen")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
