"""The combined dbt tests (issue 12): one query per model for its code lists
(`accepted_values_columns`) and its conditional required columns (`not_null_when`), where there
was one dbt test per column. Each combined test must fail on exactly what the tests it replaced
failed on; here they are run with dbt on a copy of the demo warehouse whose raw rows were
sabotaged behind the ingest's back (the ingest would have quarantined them)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.defs.dbt_in_process import _DBT_LOCK, BUILD_TARGET, _release_database, parsed_project

MODELS = ("stg_gemeente__verblijven", "stg_dtv__vertrekzaken", "stg_ingest__deliveries")


def _dbt_test(warehouse, monkeypatch) -> dict[str, str]:
    """Run the dbt tests of MODELS on `warehouse`; test name -> status."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("LVV_WAREHOUSE", str(warehouse))
    args = ["test", "--select", *MODELS, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target", BUILD_TARGET, "--target-path", str(warehouse / "dbt" / "test"), "--log-path", str(warehouse / "logs"),
            "--exclude-resource-type", "unit_test"]
    with _DBT_LOCK:
        try:
            outcome = dbtRunner(manifest=parsed_project()).invoke(args)
        finally:
            _release_database()
    return {r.node.name: str(r.status) for r in outcome.result.results}


@pytest.fixture(scope="module")
def warehouse_copy(demo_warehouse, tmp_path_factory):
    copy = tmp_path_factory.mktemp("combined_tests")
    shutil.copy(demo_warehouse.warehouse / "lvv.duckdb", copy / "lvv.duckdb")
    return copy


def test_the_combined_tests_pass_on_the_demo_and_fail_on_what_they_guard(warehouse_copy, monkeypatch):
    before = _dbt_test(warehouse_copy, monkeypatch)
    combined = {"stg_gemeente__verblijven_codes", "stg_dtv__vertrekzaken_codes", "stg_dtv__vertrekzaken_not_null_when",
                "stg_ingest__deliveries_not_null_when"}
    assert all(before[name] == "pass" for name in combined), before

    con = duckdb.connect(str(warehouse_copy / "lvv.duckdb"))
    try:
        con.execute("UPDATE raw.gemeente_verblijven SET herkomst = 'ONBEKEND' "
                    "WHERE rowid = (SELECT min(rowid) FROM raw.gemeente_verblijven)")
        con.execute("UPDATE raw.dtv_vertrekzaken SET bestemming = NULL WHERE rowid = (SELECT min(rowid) "
                    "FROM raw.dtv_vertrekzaken WHERE vertrekwijze IN ('ZELFSTANDIG_AANTOONBAAR', 'GEDWONGEN'))")
        con.execute("UPDATE raw.deliveries SET reason = NULL WHERE status = 'rejected'")
    finally:
        con.close()
    after = _dbt_test(warehouse_copy, monkeypatch)

    failed = {name for name, status in after.items() if status == "fail"}
    assert failed == {"stg_gemeente__verblijven_codes", "stg_dtv__vertrekzaken_not_null_when",
                      "stg_ingest__deliveries_not_null_when"}, after
