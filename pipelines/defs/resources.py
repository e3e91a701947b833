"""Resources, configured from the environment (LVV_LANDING, LVV_WAREHOUSE)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from pipelines.config import Paths, landing_from_env, warehouse_from_env


class WarehouseResource(dg.ConfigurableResource):
    """Where the landing folder and the warehouse folder are; holds the run lock during a run.

    With the in-process executor a resource is set up once per run and torn down at its end,
    so taking the warehouse's run lock here covers runs from the Dagster UI, the schedule and
    the sensor as well as `lvv-monitor run` (which already holds it: the lock is re-entrant).
    A run that this resource started is written to the run ledger (pipelines/runs.py).
    """

    landing_dir: str
    warehouse_dir: str
    _ledger_run_id: str | None = PrivateAttr(default=None)
    _locked: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines import runs

        warehouse = Path(self.warehouse_dir)
        run_id = _run_id(context)
        if run_id is None:  # a sensor or schedule evaluation, not a run: nothing to lock
            return
        runs.acquire(warehouse)
        self._locked = True
        if runs.current_run_id(warehouse) is None:  # not started by `lvv-monitor run`
            self._ledger_run_id = runs.begin_run(warehouse, "dagster", run_id=run_id[:12])

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines import runs

        warehouse = Path(self.warehouse_dir)
        if not self._locked:
            return
        if self._ledger_run_id:
            failed = _failed_step(context)
            runs.end_run(warehouse, self._ledger_run_id, "mislukt" if failed else "geslaagd", failed)
            self._ledger_run_id = None
        runs.release(warehouse)
        self._locked = False

    @property
    def paths(self) -> Paths:
        return Paths(landing=Path(self.landing_dir), warehouse=Path(self.warehouse_dir))


def warehouse_from_environment() -> WarehouseResource:
    return WarehouseResource(landing_dir=str(landing_from_env()), warehouse_dir=str(warehouse_from_env()))


def _failed_step(context: dg.InitResourceContext) -> str | None:
    """The first step of this run that failed, from the run's event log (None: none failed)."""
    run_id = _run_id(context)
    if context.instance is None or not run_id:
        return None
    for entry in context.instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        return entry.dagster_event.step_key if entry.dagster_event else "?"
    return None


def _run_id(context: dg.InitResourceContext) -> str | None:
    run = context.run
    return run.run_id if run is not None else None
