"""The dbt project (staging → intermediate → marts) as Dagster assets through dagster-dbt.

The assets are declared from `dbt_project/target/manifest.json`, which is (re)written by a parse
when it is missing or older than any file of the dbt project or the seeds, so a fresh clone works
without a separate build step and a run never uses a stale graph. The builds run dbt-core in this
process (pipelines/defs/dbt_in_process.py explains why).
"""


import dagster as dg
from dagster_dbt import DbtProject, dbt_assets

from pipelines.config import DBT_PROJECT_DIR
from pipelines.defs.dbt_in_process import DbtInProcess, manifest_path
from pipelines.defs.resources import WarehouseResource

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target="dev")
MANIFEST = manifest_path()


def dbt_resource() -> DbtInProcess:
    return DbtInProcess()


@dbt_assets(manifest=MANIFEST, project=DBT_PROJECT, select="tag:voor_koppeling", name="dbt_staging")
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtInProcess, warehouse: WarehouseResource):
    """`dbt build` of the seeds, the staging views and the knowledge-state tables (with their tests)."""
    yield from dbt.build(context, warehouse.paths.warehouse)


@dbt_assets(manifest=MANIFEST, project=DBT_PROJECT, exclude="tag:voor_koppeling", name="dbt_reconciliation_and_marts")
def dbt_reconciliation_and_marts(context: dg.AssetExecutionContext, dbt: DbtInProcess, warehouse: WarehouseResource):
    """`dbt build` of everything after the linkage: reconciliation (intermediate) and the marts."""
    yield from dbt.build(context, warehouse.paths.warehouse)
