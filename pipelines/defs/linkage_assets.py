"""The linkage asset: between the staging/kennisstand dbt models and the reconciliation models."""

import dagster as dg

from pipelines.defs.resources import WarehouseResource
from pipelines.linkage import run_linkage
from pipelines.log import report

KENNISSTAND_INPUTS = [
    dg.AssetKey(["intermediate", f"int_{bestand}__per_kennisstand"])
    for bestand in ("verblijven", "procedures", "maatregelen", "vertrekzaken")
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["linkage", "person_links"], group_name="linkage", deps=KENNISSTAND_INPUTS,
                     description="Municipal person (bron, client_id) → national v_nummer per knowledge state, "
                                 "with method, score, evidence, review reason and the person pseudonym."),
        dg.AssetSpec(["linkage", "verblijf_keys"], group_name="linkage", deps=KENNISSTAND_INPUTS,
                     description="The pseudonym of every stay."),
    ],
    name="person_linkage",
)
def person_linkage(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    paths = warehouse.paths
    summary = run_linkage(paths.pipeline_db, paths.warehouse, demo=warehouse.demo_mode)
    for problem in summary.decision_problems:
        report(context, f"koppelbeslissingen: {problem} (rij genegeerd)", warning=True)
    methods = ", ".join(f"{k}: {v}" for k, v in summary.per_method.items())
    report(context, f"koppeling (nieuwste stand): {methods}")
    if summary.review:
        review = ", ".join(f"{k}: {v}" for k, v in summary.review.items())
        report(context, f"reviewlijst: {review} → {paths.warehouse / 'review' / 'reviewlijst.csv'}", warning=True)
    if not summary.splink_available:
        report(context, "Splink-stap niet beschikbaar: alleen de contractregels zijn toegepast", warning=True)
    metadata = {**{f"gekoppeld_{k}": v for k, v in summary.per_method.items()},
                "reviewlijst": sum(summary.review.values()), "beslissingen_toegepast": summary.decisions_applied}
    yield dg.MaterializeResult(asset_key=["linkage", "person_links"], metadata=metadata)
    yield dg.MaterializeResult(asset_key=["linkage", "verblijf_keys"])
