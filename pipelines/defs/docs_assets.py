"""Dagster: the `published/docs` asset, dbt's documentation site of the nightly run (offline);
the site itself is written by pipelines/documentation."""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation at definition time.
import dagster as dg

from pipelines.defs.publish_assets import PUBLISHED_KEY
from pipelines.defs.resources import WarehouseResource
from pipelines.documentation import write_dbt_docs
from pipelines.log import report

DOCS_KEY = dg.AssetKey(["published", "docs"])


@dg.asset(
    key=DOCS_KEY,
    deps=[PUBLISHED_KEY],
    group_name="published",
    description="dbt's documentation as one static HTML file (dbt docs generate --static) in "
                "<warehouse>/docs/index.html: every model, column and test with its description and the "
                "lineage from the raw zone to the marts; opens offline; holds no row of data.",
)
def dbt_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = write_dbt_docs(warehouse.paths.warehouse, progress=lambda m: report(context, f"documentatie: {m}"))
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)), "bytes": path.stat().st_size,
    })
