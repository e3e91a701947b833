"""Dagster: the `published/report` asset: the monitor report of the nightly run's peildatum (the
report itself is in pipelines/report).

It depends on `published/monitor` (the published file `monitor.duckdb`) and writes
`<warehouse>/rapport/monitor_YYYY-MM-DD.html` for the publication's newest peildatum, atomically.
It reads only the published file, so it can never show what the publication did not pass.
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation at definition time.
import dagster as dg

from pipelines.defs.publish_assets import PUBLISHED_KEY
from pipelines.defs.resources import WarehouseResource
from pipelines.log import report

REPORT_KEY = dg.AssetKey(["published", "report"])


@dg.asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name="published",
    description="Het monitorrapport (één HTML-bestand, zonder netwerk te openen) op de nieuwste peildatum "
                "van de publicatie: monitortabel, vergelijking met de vorige leveringspeildatum, bestendige "
                "oplossingen, scenario's, stromen en bezetting per pilot, buiten doelgroep en afwijkingen, "
                "definities. In <warehouse>/rapport/.",
)
def monitor_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipelines.report import write_warehouse_report_with_data

    out, data = write_warehouse_report_with_data(warehouse.paths.warehouse)
    report(context, f"rapport op peildatum {data.peildatum.isoformat()}: {out}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(out)),
        "peildatum": data.peildatum.isoformat(),
        "vergeleken_met": data.vergelijking.vorige.isoformat() if data.vergelijking else "geen",
        "is_demo": data.is_demo,
        "bytes": out.stat().st_size,
    })
