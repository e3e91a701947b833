"""Raw zone assets: the landing scan, one asset per file type, and the delivery ledger.

Asset keys follow the tables: `raw/gemeente_verblijven` is table `raw.gemeente_verblijven`,
which is also how dagster-dbt names the dbt source `raw.gemeente_verblijven`, so the staging
models hang under these assets in the graph.
"""


from collections import Counter
from datetime import datetime

import dagster as dg

from pipelines.contract import FILE_SPECS, FileSpec
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.deliveries import LOADED, REJECTED, DeliveryReport, record_landing_scan, record_name_rejections
from pipelines.ingest.landing import scan_landing
from pipelines.ingest.load import ingest_bestand, open_pipeline_db
from pipelines.log import report

RAW_GROUP = "raw_zone"
LANDING_SCAN = dg.AssetKey(["raw", "landing_scan"])


def _report_deliveries(context: dg.AssetExecutionContext, reports: list[DeliveryReport]) -> dict:
    for item in reports:
        report(context, item.summary(), warning=item.status == REJECTED or item.rows_quarantined > 0)
    counts = Counter(item.status for item in reports)
    return {
        "files_loaded": counts[LOADED],
        "files_rejected": counts[REJECTED],
        "files_unchanged": counts["unchanged"],
        "rows_loaded": sum(item.rows_loaded for item in reports),
        "rows_quarantined": sum(item.rows_quarantined for item in reports),
    }


@dg.asset(key=LANDING_SCAN, group_name=RAW_GROUP,
          description="Scan the landing folder: deliveries, skipped entries, names that break the contract.")
def landing_scan(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    paths = warehouse.paths
    scan = scan_landing(paths.landing)
    if not paths.landing.is_dir():
        report(context, f"landingsmap {paths.landing} bestaat niet; zet LVV_LANDING of maak de map aan", warning=True)
    con = open_pipeline_db(paths.pipeline_db)
    try:
        record_landing_scan(con, scan)
        rejected = record_name_rejections(con, scan, datetime.now())
    finally:
        con.close()
    for entry in scan.skipped:
        report(context, f"{entry.path}: overgeslagen ({entry.reason})")
    metadata = _report_deliveries(context, rejected)
    return dg.MaterializeResult(
        metadata={"candidates": len(scan.candidates), "skipped": len(scan.skipped), **metadata}
    )


def build_ingest_asset(spec: FileSpec) -> dg.AssetsDefinition:
    """One asset per file type: takes every new delivery of that type from every source."""

    @dg.asset(
        key=dg.AssetKey(["raw", spec.raw_table]),
        group_name=RAW_GROUP,
        deps=[LANDING_SCAN],
        description=f"Raw zone table raw.{spec.raw_table}: {spec.description}, every delivery, with lineage.",
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        paths = warehouse.paths
        scan = scan_landing(paths.landing)
        con = open_pipeline_db(paths.pipeline_db)
        try:
            reports = ingest_bestand(con, scan, spec.bestand, datetime.now())
            total_rows = con.execute(f"SELECT count(*) FROM raw.{spec.raw_table}").fetchall()[0][0]
        finally:
            con.close()
        if not reports:
            report(context, f"{spec.bestand}: geen leveringen gevonden in {paths.landing}")
        metadata = _report_deliveries(context, reports)
        return dg.MaterializeResult(metadata={**metadata, "rows_in_table": total_rows})

    return _ingest


INGEST_ASSETS = [build_ingest_asset(spec) for spec in FILE_SPECS.values()]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", "deliveries"], group_name=RAW_GROUP,
                     description="raw.deliveries: one row per file received, with its counts and status.",
                     deps=[a.key for a in INGEST_ASSETS] + [LANDING_SCAN]),
        dg.AssetSpec(["raw", "quarantine"], group_name=RAW_GROUP,
                     description="raw.quarantine: every row that failed, with the raw values and every reason.",
                     deps=[a.key for a in INGEST_ASSETS]),
    ],
    name="delivery_ledger",
)
def delivery_ledger(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Summarize what was received per bron; the ledger tables themselves are written by ingest."""
    con = open_pipeline_db(warehouse.paths.pipeline_db)
    try:
        per_bron = con.execute(
            """
            SELECT bron, count(*) FILTER (WHERE status = 'loaded'), count(*) FILTER (WHERE status = 'rejected'),
                   coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
            FROM raw.deliveries GROUP BY bron ORDER BY bron
            """
        ).fetchall()
        totals = con.execute(
            "SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_quarantined), 0) FROM raw.deliveries"
        ).fetchall()[0]
        quarantine_rows = con.execute("SELECT count(*) FROM raw.quarantine").fetchall()[0][0]
    finally:
        con.close()
    for bron, loaded, rejected, rows_loaded, rows_quarantined in per_bron:
        report(context, f"{bron}: {loaded} leveringen geladen, {rejected} geweigerd; "
                        f"{rows_loaded} rijen geladen, {rows_quarantined} in quarantaine")
    yield dg.MaterializeResult(asset_key=["raw", "deliveries"], metadata={"deliveries": totals[0], "rows_read": totals[1]})
    yield dg.MaterializeResult(asset_key=["raw", "quarantine"], metadata={"rows": quarantine_rows})


@dg.asset_check(
    asset=dg.AssetKey(["raw", "deliveries"]), blocking=True,
    description="Every row read is loaded or quarantined: rows_read = rows_loaded + rows_quarantined for every file, "
                "and the raw tables hold exactly the loaded rows.",
)
def rows_conserved(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    con = open_pipeline_db(warehouse.paths.pipeline_db)
    try:
        unbalanced = con.execute(
            "SELECT relative_path FROM raw.deliveries WHERE rows_read <> rows_loaded + rows_quarantined"
        ).fetchall()
        counted = " UNION ALL ".join(
            f"SELECT delivery_id, count(*) AS n FROM raw.{spec.raw_table} GROUP BY delivery_id" for spec in FILE_SPECS.values()
        )
        mismatched = con.execute(
            f"""
            WITH counted AS ({counted}),
            quarantined AS (SELECT delivery_id, count(*) AS n FROM raw.quarantine GROUP BY delivery_id)
            SELECT d.relative_path FROM raw.deliveries d
            LEFT JOIN counted c USING (delivery_id) LEFT JOIN quarantined q USING (delivery_id)
            WHERE coalesce(c.n, 0) <> d.rows_loaded OR coalesce(q.n, 0) <> d.rows_quarantined
            """
        ).fetchall()
    finally:
        con.close()
    problems = [r[0] for r in unbalanced + mismatched]
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={"files_out_of_balance": ", ".join(problems) or "none"},
        description="Rijen behouden" if not problems else "Rijen verloren of dubbel: " + ", ".join(problems),
    )
