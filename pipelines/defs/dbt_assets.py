"""The dbt project (staging → intermediate → marts) as Dagster assets through dagster-dbt.

The manifest is (re)built with `dbt parse` when it is missing or older than any file of the dbt
project or the seeds, so a fresh clone works without a separate build step, and a run never
uses a stale graph.
"""


import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.config import DBT_PROJECT_DIR, SEEDS_DIR
from pipelines.defs.resources import WarehouseResource
from pipelines.log import progress_logger

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
_PROJECT_FILE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a run works without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=DBT_PROJECT, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )


def _newest_source_mtime() -> float:
    newest = 0.0
    for folder in (DBT_PROJECT_DIR, SEEDS_DIR):
        for path in folder.rglob("*"):
            if path.suffix in _PROJECT_FILE_SUFFIXES and DBT_PROJECT.target_path not in path.parents:
                if "logs" not in path.relative_to(folder).parts:
                    newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing, older than the project's files, or was
    parsed for another database location (dbt re-parses fully when the profile changes, so one
    parse here saves one in each of the two dbt builds of a run)."""
    manifest = DBT_PROJECT.manifest_path
    marker = manifest.parent / ".parsed_for_warehouse"
    warehouse = os.environ.get("LVV_WAREHOUSE", "")
    stale = not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime()
    if stale or not marker.exists() or marker.read_text() != warehouse:
        progress_logger.info("dbt: manifest opbouwen (dbt parse)")
        dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()
        marker.write_text(warehouse)
    return manifest


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # profiles.yml reads the database location from LVV_WAREHOUSE; dbt runs as a subprocess.
    os.environ["LVV_WAREHOUSE"] = str(warehouse.paths.warehouse)
    for event in dbt.cli(["build"], context=context).stream():
        if isinstance(event, dg.Output):
            progress_logger.info(f"dbt: {event.output_name} gebouwd")
        elif isinstance(event, dg.AssetCheckResult) and not event.passed:
            progress_logger.warning(f"dbt-test mislukt: {event.check_name} op {event.asset_key.to_user_string()}")
        yield event


MANIFEST = ensure_manifest()


@dbt_assets(manifest=MANIFEST, project=DBT_PROJECT, select="tag:voor_koppeling", name="dbt_staging")
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` of the seeds, the staging views and the knowledge-state tables (with their tests)."""
    yield from _build(context, dbt, warehouse)


@dbt_assets(manifest=MANIFEST, project=DBT_PROJECT, exclude="tag:voor_koppeling", name="dbt_reconciliation_and_marts")
def dbt_reconciliation_and_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` of everything after the linkage: reconciliation (intermediate) and the marts."""
    yield from _build(context, dbt, warehouse)
