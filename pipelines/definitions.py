"""The one Definitions object of the project: what `dagster dev` and `lvv-monitor run` load.

Nothing is listed here by hand. Every asset, asset check, job, schedule and sensor is a
module-level object in a module of `pipelines/defs/` (one module per area), and Dagster's
`load_from_defs_folder` finds them there ([tool.dg] in pyproject.toml names the folder); this
module adds what is not found that way: the resources and the executor.
tests/test_definitions.py fails when an object of a `defs/` module is not collected.
"""

from __future__ import annotations

import dagster as dg

from pipelines.config import PROJECT_ROOT, Paths
from pipelines.defs.dbt_assets import dbt_resource
from pipelines.defs.resources import warehouse_resource


def build_definitions(paths: Paths | None = None, *, demo: bool | None = None) -> dg.Definitions:
    """Everything under `pipelines/defs/`, with its resources.

    Without arguments the resources are configured from the environment (`LVV_LANDING`,
    `LVV_WAREHOUSE`, `LVV_DEMO`, read by Dagster when a run starts); `paths` and `demo`
    override them (the command line and the tests)."""
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=PROJECT_ROOT),
        dg.Definitions(
            resources={"warehouse": warehouse_resource(paths, demo=demo), "dbt": dbt_resource()},
            # DuckDB allows one writer: run the steps of a run one after another in one process.
            executor=dg.in_process_executor,
        ),
    )


defs = build_definitions()
