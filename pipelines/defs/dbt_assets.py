"""The dbt project (staging → intermediate → marts) as Dagster assets through dagster-dbt.

The assets are declared from `dbt_project/target/manifest.json`, which is (re)written by a parse
when it is missing or older than any file of the dbt project or the seeds, so a fresh clone works
without a separate build step and a run never uses a stale graph. The builds run dbt-core in this
process (pipelines/defs/dbt_in_process.py explains why).
"""


from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from pipelines.config import DBT_PROJECT_DIR
from pipelines.defs.dbt_in_process import DbtInProcess, manifest_path
from pipelines.defs.resources import WarehouseResource

# The layer of a dbt node is its schema; in the UI each is one group beside raw, linkage, published.
LAYER_GROUPS = {"reference": "reference", "staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class LayerTranslator(DagsterDbtTranslator):
    """dagster-dbt's translation, with the dbt assets grouped by layer and every dbt test
    described (dagster-dbt takes a check's description only from the test's `meta`)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = (dbt_resource_props.get("config") or {}).get("schema") or dbt_resource_props.get("schema")
        return LAYER_GROUPS.get(str(schema), "dbt")

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"].get(unique_id, {})))


def describe_test(node: Mapping[str, Any]) -> str:
    """A sentence for a dbt test without a description: what it checks and where."""
    if node.get("description"):
        return str(node["description"]).strip()
    metadata = node.get("test_metadata") or {}
    name = metadata.get("name") or node.get("name", "test")
    kwargs = {k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")}
    arguments = kwargs.pop("arguments", None) or {}
    kwargs.update(arguments if isinstance(arguments, dict) else {})
    column = node.get("column_name")
    where = f"kolom {column}" if column else "het model"
    details = "; ".join(f"{k}: {v}" for k, v in kwargs.items() if v not in (None, "", []))
    severity = str((node.get("config") or {}).get("severity", "error")).lower()
    effect = ("Faalt de test, dan stopt de dbt-build en wordt er niet gepubliceerd." if severity == "error"
              else "Faalt de test, dan volgt een waarschuwing; de run gaat door.")
    return f"dbt-test {name} op {where}" + (f" ({details})" if details else "") + ". " + effect


DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target="dev")
MANIFEST = manifest_path()


def dbt_resource() -> DbtInProcess:
    return DbtInProcess()


@dbt_assets(manifest=MANIFEST, project=DBT_PROJECT, select="tag:voor_koppeling", name="dbt_staging",
             dagster_dbt_translator=LayerTranslator())
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtInProcess, warehouse: WarehouseResource):
    """`dbt build` of the seeds, the staging views and the knowledge-state tables (with their tests)."""
    yield from dbt.build(context, warehouse.paths.warehouse)


@dbt_assets(manifest=MANIFEST, project=DBT_PROJECT, exclude="tag:voor_koppeling", name="dbt_reconciliation_and_marts",
             dagster_dbt_translator=LayerTranslator())
def dbt_reconciliation_and_marts(context: dg.AssetExecutionContext, dbt: DbtInProcess, warehouse: WarehouseResource):
    """`dbt build` of everything after the linkage: reconciliation (intermediate) and the marts."""
    yield from dbt.build(context, warehouse.paths.warehouse)
