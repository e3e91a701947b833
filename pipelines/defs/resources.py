"""Resources, configured with `dg.EnvVar` (LVV_LANDING, LVV_WAREHOUSE, LVV_DEMO).

Dagster reads the value of a variable when a run starts (and shows in the UI that the setting
comes from it); nothing is read into the definitions at import. `EnvVar` has no default of its
own (dagster-io/dagster#16232), so a variable that is not set at all is not named, and the
resource's default applies: the same defaults as pipelines/config.py. The command line and the
tests pass the values instead (`warehouse_resource(paths, demo=...)`).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from pipelines.config import DEFAULT_LANDING, DEFAULT_WAREHOUSE, LANDING_ENV, WAREHOUSE_ENV, Paths
from pipelines.pseudonym import DEMO_ENV, is_demo_flag


class WarehouseResource(dg.ConfigurableResource):
    """Where the landing folder and the warehouse folder are; holds the run lock during a run.

    With the in-process executor a resource is set up once per run and torn down at its end,
    so taking the warehouse's run lock here covers runs from the Dagster UI, the schedule and
    the sensor as well as `lvv-monitor run` (which already holds it: the lock is re-entrant).
    A run that this resource started is written to the run ledger (pipelines/runs.py).
    """

    landing_dir: str = str(DEFAULT_LANDING)
    warehouse_dir: str = str(DEFAULT_WAREHOUSE)
    # As LVV_DEMO is written: 1, true, ja or yes is demo mode (the visible demo pseudonym key,
    # outputs marked as demo); a string, so that the variable can configure it as it is. None:
    # not configured, and pipelines/pseudonym.py reads LVV_DEMO when it needs to know.
    demo: str | None = None
    _ledger_run_id: str | None = PrivateAttr(default=None)
    _locked: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines import runs

        warehouse = self.paths.warehouse
        run_id = _run_id(context)
        if run_id is None:  # a sensor or schedule evaluation, not a run: nothing to lock
            return
        runs.acquire(warehouse)
        self._locked = True
        if runs.current_run_id(warehouse) is None:  # not started by `lvv-monitor run`
            self._ledger_run_id = runs.begin_run(warehouse, "dagster", run_id=run_id[:12])

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines import runs

        warehouse = self.paths.warehouse
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
        """The folders, absolute (a relative setting is taken from the working folder)."""
        return Paths(landing=Path(self.landing_dir).resolve(), warehouse=Path(self.warehouse_dir).resolve())

    @property
    def demo_mode(self) -> bool | None:
        """Demo mode as configured (None: not configured; the `demo` argument of pipelines/pseudonym.py)."""
        return None if self.demo is None else is_demo_flag(self.demo)


def warehouse_resource(paths: Paths | None = None, *, demo: bool | None = None) -> WarehouseResource:
    """The `warehouse` resource: `paths` and `demo` when given, else the environment's variables
    (as `dg.EnvVar`, read when a run starts), else the defaults."""
    settings: dict[str, str] = {}
    if paths is not None:
        settings.update(landing_dir=str(paths.landing), warehouse_dir=str(paths.warehouse))
    else:
        settings.update(_named_variables(landing_dir=LANDING_ENV, warehouse_dir=WAREHOUSE_ENV))
    if demo is not None:
        settings["demo"] = "1" if demo else ""
    else:
        settings.update(_named_variables(demo=DEMO_ENV))
    return WarehouseResource(**settings)


def _named_variables(**fields: str) -> dict[str, dg.EnvVar]:
    """`dg.EnvVar` per field whose variable is set (and not empty, which means the default, as
    pipelines/config.py has it); a field whose variable is not set keeps its default."""
    return {field: dg.EnvVar(name) for field, name in fields.items() if dg.EnvVar(name).get_value()}


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
