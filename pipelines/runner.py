"""Run the whole asset graph in this process, as `lvv-monitor run` and the benchmark do."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import Paths

# Dagster's own console logger is verbose; users of the command line get our progress lines.
QUIET_DAGSTER = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RunOutcome:
    success: bool
    seconds: float
    failed_step: str | None = None
    error: str | None = None
    result: object | None = None


def run_monitor(landing: Path, warehouse: Path, quiet: bool = True) -> RunOutcome:
    """Execute the `nightly_monitor` job in-process on an ephemeral Dagster instance."""
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions
    from pipelines.log import progress_logger

    started = time.monotonic()
    warehouse.mkdir(parents=True, exist_ok=True)
    defs = build_definitions(Paths(landing=landing, warehouse=warehouse))
    job = defs.resolve_job_def("nightly_monitor")
    progress_logger.info(f"run: landing {landing} → warehouse {warehouse}")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET_DAGSTER if quiet else None
        )
    seconds = time.monotonic() - started
    if result.success:
        return RunOutcome(True, seconds, result=result)
    failed_step, error = None, None
    for event in result.all_events:
        if event.is_step_failure:
            failed_step = event.step_key
            error = _root_cause(event.step_failure_data.error)
            break
    return RunOutcome(False, seconds, failed_step=failed_step, error=error or "onbekende fout", result=result)


def _root_cause(error) -> str | None:
    """The innermost error message: what actually went wrong, without Dagster's wrapping."""
    if error is None:
        return None
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
