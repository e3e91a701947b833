"""Dagster: the `published/monitor` asset (after the marts) and its asset check; the publishing
itself is in pipelines/publish.

The asset depends on every asset of `dbt_reconciliation_and_marts` (so on all marts and on the
on-run-end hook that creates `marts.monitor_op`), builds `monitor.duckdb` aside, checks it and
swaps it in (`publish_warehouse`). When anything fails, the step fails and the previous
published file stays in place.
"""


import dagster as dg

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.defs.dbt_assets import dbt_reconciliation_and_marts
from pipelines.defs.resources import WarehouseResource
from pipelines.log import report
from pipelines.publish import publish_warehouse

PUBLISHED_KEY = dg.AssetKey(["published", "monitor"])


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[dbt_reconciliation_and_marts],
    group_name="published",
    description=f"{PUBLISHED_DB_NAME} in the warehouse folder: schema marts only (with marts.monitor_op), "
                "marked demo or not, with the deliveries used; built aside, checked for identifiers and "
                "swapped in atomically.",
)
def published_monitor(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    paths = warehouse.paths
    target = publish_warehouse(paths.pipeline_db, paths.warehouse, progress=lambda m: report(context, f"publicatie: {m}"),
                               demo=warehouse.demo_mode)
    import duckdb

    con = duckdb.connect(str(target), read_only=True)
    try:
        is_demo, code_version, newest, deliveries = con.execute(
            "SELECT is_demo, code_version, nieuwste_peildatum, aantal_leveringen FROM marts.publicatie"
        ).fetchall()[0]
        tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()[0][0]
    finally:
        con.close()
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)), "is_demo": bool(is_demo), "code_version": str(code_version),
        "nieuwste_peildatum": str(newest), "leveringen": int(deliveries), "tabellen": int(tables),
    })


@dg.asset_check(
    asset=PUBLISHED_KEY,
    blocking=True,
    description="The published file holds no identifier of the restricted zone (every v_nummer, client_id, "
                "verblijf_id and birth date of the raw zone) and no forbidden column, and says whether it is demo.",
)
def published_monitor_is_safe(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from pipelines.publish.scanner import scan_for_identifiers

    paths = warehouse.paths
    target = paths.published_db
    findings = scan_for_identifiers([target], paths.pipeline_db)
    return dg.AssetCheckResult(
        passed=not findings,
        metadata={"bevindingen": len(findings), "voorbeelden": "; ".join(str(f) for f in findings[:5]) or "geen"},
    )
