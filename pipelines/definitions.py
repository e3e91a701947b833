"""The one Definitions object of the project: what `dagster dev` and `lvv-monitor run` load."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.automation import NIGHTLY_JOB, landing_sensor, nightly_schedule
from pipelines.defs.dbt_assets import dbt_reconciliation_and_marts, dbt_resource, dbt_staging
from pipelines.defs.expectation_checks import EXPECTATION_CHECKS
from pipelines.defs.ingest_assets import INGEST_ASSETS, delivery_ledger, landing_scan, rows_conserved
from pipelines.defs.linkage_assets import person_linkage
from pipelines.publish.assets import published_monitor, published_monitor_is_safe
from pipelines.report.assets import monitor_report
from pipelines.documentation.assets import dbt_docs
from pipelines.config import Paths
from pipelines.defs.resources import WarehouseResource, warehouse_from_environment


def build_definitions(paths: Paths | None = None) -> dg.Definitions:
    """All assets, checks, job, schedule and sensor; `paths` overrides the environment."""
    warehouse = (
        WarehouseResource(landing_dir=str(paths.landing), warehouse_dir=str(paths.warehouse))
        if paths else warehouse_from_environment()
    )
    return dg.Definitions(
        assets=[
            landing_scan, *INGEST_ASSETS, delivery_ledger, dbt_staging, person_linkage,
            dbt_reconciliation_and_marts, published_monitor, monitor_report, dbt_docs,
        ],
        asset_checks=[rows_conserved, published_monitor_is_safe, *EXPECTATION_CHECKS],
        jobs=[NIGHTLY_JOB],
        schedules=[nightly_schedule],
        sensors=[landing_sensor],
        resources={"warehouse": warehouse, "dbt": dbt_resource()},
        # DuckDB allows one writer: run the steps of a run one after another in one process.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
