"""Run the whole asset graph in this process, as `lvv-monitor run` and the benchmark do."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
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
    step_seconds: dict[str, float] = field(default_factory=dict)
    skipped: bool = False  # nothing new since the last good publish: not rebuilt (nightly_fingerprint)


def run_monitor(landing: Path, warehouse: Path, quiet: bool = True, force: bool = False,
                demo: bool | None = None) -> RunOutcome:
    """Execute the `nightly_monitor` job in-process on an ephemeral Dagster instance.

    Holds the warehouse's run lock for the whole run (raises `runs.RunLocked`, naming the
    running PID, before any work when another run is busy) and writes the run to the ledger,
    so `lvv-monitor status` can tell a finished run from one that was killed. A night with
    nothing new is not rebuilt unless `force` (pipelines/nightly_fingerprint.py). `demo`: demo
    mode for this run (the visible demo key, outputs marked demo); None: `LVV_DEMO` says.
    """
    from pipelines import runs

    with runs.locked(warehouse):
        run_id = runs.begin_run(warehouse, "lvv-monitor run")
        outcome: RunOutcome | None = None
        try:
            outcome = _execute_unless_nothing_new(landing, warehouse, quiet, force, demo)
        finally:
            if outcome is not None:
                runs.end_run(warehouse, run_id, _ledger_outcome(outcome), outcome.failed_step, outcome.error)
            else:  # an exception (Ctrl-C included) ended the run: say so rather than leave it open
                runs.end_run(warehouse, run_id, "mislukt", None, "onderbroken")
    return outcome


def _ledger_outcome(outcome: RunOutcome) -> str:
    if outcome.skipped:
        return "overgeslagen"
    return "geslaagd" if outcome.success else "mislukt"


def _execute_unless_nothing_new(landing: Path, warehouse: Path, quiet: bool, force: bool, demo: bool | None) -> RunOutcome:
    """Skip the build when nothing changed since the last good publish; record what a good build used."""
    from pipelines import nightly_fingerprint
    from pipelines.log import progress_logger

    started = time.monotonic()
    decision = nightly_fingerprint.decide(landing, warehouse, force, demo)
    progress_logger.info(f"run: {decision.reason}")
    if not decision.rebuild:
        return RunOutcome(True, time.monotonic() - started, skipped=True)
    outcome = _execute(landing, warehouse, quiet, demo)
    if outcome.success:
        nightly_fingerprint.record(warehouse, decision.state)
    return outcome


def _execute(landing: Path, warehouse: Path, quiet: bool, demo: bool | None) -> RunOutcome:
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions
    from pipelines.log import progress_logger

    started = time.monotonic()
    defs = build_definitions(Paths(landing=landing, warehouse=warehouse), demo=demo)
    job = defs.resolve_job_def("nightly_monitor")
    progress_logger.info(f"run: landing {landing} → warehouse {warehouse}")
    log_path = warehouse / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with DagsterInstance.ephemeral() as instance, open(log_path, "w", encoding="utf-8") as log:
        # dbt's own output (every model and test) goes to the run log file, not the terminal.
        with contextlib.redirect_stdout(log) if quiet else contextlib.nullcontext():
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET_DAGSTER if quiet else None
            )
        step_seconds = _step_seconds(instance, result.run_id)
    progress_logger.info(f"run: volledige dbt-uitvoer in {log_path}")
    seconds = time.monotonic() - started
    if result.success:
        return RunOutcome(True, seconds, result=result, step_seconds=step_seconds)
    failed_step, error = None, None
    for event in result.all_events:
        if event.is_step_failure:
            failed_step = event.step_key
            user_failure = event.step_failure_data.user_failure_data
            # A blocking check's own message (which check, which source, what to do) comes first.
            error = (user_failure.description if user_failure and user_failure.description
                     else _root_cause(event.step_failure_data.error))
            break
    return RunOutcome(
        False, seconds, failed_step=failed_step, error=error or "onbekende fout", result=result,
        step_seconds=step_seconds,
    )


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Wall time of every step of the run, from the start and end events in the run's log."""
    started: dict[str, float] = {}
    durations: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            durations[event.step_key] = entry.timestamp - started[event.step_key]
    return durations


def _root_cause(error) -> str | None:
    """The innermost error message: what actually went wrong, without Dagster's wrapping."""
    if error is None:
        return None
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
