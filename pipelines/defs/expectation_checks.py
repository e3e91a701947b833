"""The expectation suites of `expectations/` as Dagster asset checks, one per `meta.controles` entry.

Each check is its own step (`multi_asset_check` with one spec, named like the check), declared
on the asset it judges (e.g. `marts/fct_instroom`, `intermediate/int_uitstroom__conflicten`,
`raw/deliveries`), with the tables it also reads as `additional_deps`. It runs Great Expectations
on DataFrames of the pipeline database (`pipelines/expectations/validate.py`); the last check of the
run (or a blocking one that fails) builds the Data Docs of the run into `<warehouse>/data_docs/`.

Severity:

- a check whose expectations are all `waarschuwing` is not blocking; when an expectation fails
  the result is `AssetCheckSeverity.WARN`: flagged in the UI, the run log and
  `marts.fct_afwijkingen`, nothing stops;
- a check with an expectation of ernst `fout` is declared `blocking=True`; when such an
  expectation fails the result is `AssetCheckSeverity.ERROR` and the step fails with a message
  that names the check, the source and what to do, so nothing downstream of the asset runs (the
  publish step `published/monitor` among it) and the previously published warehouse stays as it
  was. When only its `waarschuwing` expectations fail, the result is WARN and nothing stops.

Wiring (pipelines/definitions.py): `asset_checks=[..., *EXPECTATION_CHECKS]`.
"""

import dagster as dg

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.defs.resources import WarehouseResource
from pipelines.expectations.suites import Controle, controles
from pipelines.log import report


def asset_key(path: str) -> dg.AssetKey:
    return dg.AssetKey(path.split("/"))


def _metadata(uitkomst) -> dict:
    metadata: dict = {
        "afwijkingen": sum(b.aantal for b in uitkomst.bevindingen),
        "ernst": uitkomst.ernst or "geen",
        "seconden": round(uitkomst.seconden, 2),
    }
    for bevinding in uitkomst.bevindingen:
        metadata[f"{bevinding.regel.soort} ({bevinding.regel.ernst})"] = bevinding.kort()
    if uitkomst.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(uitkomst.data_docs))
    metadata["drempels"] = dg.MetadataValue.json(uitkomst.thresholds.as_metadata())
    return metadata


def expected_checks(context: dg.AssetCheckExecutionContext) -> set[str]:
    """The expectation checks this run executes: all of them, or those of the selection made in
    the UI. The last of them to finish builds the run's Data Docs."""
    names = {c.naam for c in controles()}
    selection = context.run.asset_check_selection
    if selection is None:
        return names
    return {key.name for key in selection if key.name in names}


def build_expectation_check(controle: Controle) -> dg.AssetChecksDefinition:
    """One Dagster asset check that evaluates the expectations of `controle`."""
    key = asset_key(controle.asset)
    spec = dg.AssetCheckSpec(
        name=controle.naam,
        asset=key,
        description=controle.omschrijving,
        blocking=controle.blokkerend,
        additional_deps=[asset_key(dep) for dep in controle.extra_deps],
        metadata={"suite": f"expectations/{controle.suite}.json",
                  "verwachtingen": ", ".join(f"{r.soort} ({r.ernst})" for r in controle.regels)},
    )

    @dg.multi_asset_check(specs=[spec], name=controle.naam, description=controle.omschrijving)
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        from pipelines.expectations.validate import mart_uitleg, run_check

        paths = warehouse.paths
        try:
            uitkomst = run_check(controle, paths.pipeline_db, paths.warehouse, run_key=context.run.run_id,
                                         expected_checks=expected_checks(context))
        except Exception as exc:  # noqa: BLE001 - a check that cannot run must say so, in the result
            message = (f"Controle '{controle.naam}' (op {controle.asset}) kon niet worden uitgevoerd: "
                       f"{type(exc).__name__}: {exc}")
            yield dg.AssetCheckResult(
                check_name=controle.naam, asset_key=key, passed=False,
                severity=dg.AssetCheckSeverity.ERROR if controle.blokkerend else dg.AssetCheckSeverity.WARN,
                description=message[:1000], metadata={"fout": str(exc)[:2000]},
            )
            report(context, message, warning=True)
            if controle.blokkerend:
                # A blocking check that cannot vouch for the data stops what depends on it.
                raise dg.Failure(description=message + f" Er is niets gepubliceerd; het vorige {PUBLISHED_DB_NAME} "
                                 "blijft staan. Los de oorzaak op en draai opnieuw.") from exc
            return

        yield dg.AssetCheckResult(
            check_name=controle.naam, asset_key=key, passed=uitkomst.geslaagd,
            severity=dg.AssetCheckSeverity.ERROR if uitkomst.blokkeert else dg.AssetCheckSeverity.WARN,
            description=uitkomst.samenvatting(), metadata=_metadata(uitkomst),
        )
        report(context, f"controle {uitkomst.samenvatting()}", warning=not uitkomst.geslaagd)
        if uitkomst.blokkeert:
            fout_soorten = [b.regel.soort for b in uitkomst.mislukt if b.regel.ernst == "fout"]
            message = uitkomst.melding(paths.warehouse, mart_uitleg(paths.pipeline_db, fout_soorten))
            report(context, message, warning=True)
            raise dg.Failure(description=message, metadata={"controle": controle.naam, "asset": controle.asset})

    return _check


EXPECTATION_CHECKS: list[dg.AssetChecksDefinition] = [build_expectation_check(c) for c in controles()]
