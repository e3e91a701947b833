"""The published file opens in the DuckDB clients analysts have (1.x), and Parquet sits beside it.

DuckDB 2.0 writes storage format 69 by default, which every 1.x client (the CLI, R's duckdb
package, DBeaver's JDBC driver) refuses. Publish writes storage `v1.0.0` instead. This test
installs a real DuckDB 1.x from the package index into a folder of its own (not the project's
venv) and opens the demo's published file with it in a separate Python process: tables,
comments, the `monitor_op` macro and the figures all as in DuckDB 2.0.

The clients are cached in ~/.cache/lvv-monitor-tests/ (or $LVV_TEST_CACHE), so only the first
run downloads them (~20 MB each). Without a package index the test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

# The newest 1.x and an older one (DuckDB 1.1 reads only storage 64 = v1.0.0).
CLIENT_VERSIONS = ("1.5.6", "1.1.3")
CACHE = Path(os.environ.get("LVV_TEST_CACHE") or Path.home() / ".cache" / "lvv-monitor-tests")

READ_WITH_CLIENT = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps({
    "version": duckdb.__version__,
    "tables": con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()[0][0],
    "commented_columns": con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' AND comment IS NOT NULL").fetchall()[0][0],
    "monitor_op": [list(map(str, row)) for row in con.execute(
        "SELECT gemeente, capaciteit, ooit_opgevangen, aanwezig, bestendig_totaal "
        "FROM marts.monitor_op(DATE '2020-11-01', false)").fetchall()],
    "capaciteit_type": con.execute(
        "SELECT data_type FROM duckdb_columns() WHERE table_name = 'fct_monitor' AND column_name = 'capaciteit'"
    ).fetchall()[0][0],
}))
"""


def _client(version: str) -> Path:
    """A folder with DuckDB `version` installed in it (pip --target), made once and cached."""
    folder = CACHE / f"duckdb-{version}-py{sys.version_info.major}{sys.version_info.minor}"
    if (folder / "duckdb").is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(folder.name + ".partial")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
         "--target", str(partial), f"duckdb=={version}"],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        pytest.skip(f"could not install duckdb=={version} from the package index: {result.stderr.strip()[-300:]}")
    partial.rename(folder)
    return folder


@pytest.mark.parametrize("version", CLIENT_VERSIONS)
def test_a_duckdb_1x_client_reads_the_published_file(demo_warehouse, version):
    published = demo_warehouse.warehouse / "monitor.duckdb"
    client = _client(version)
    env = {**os.environ, "PYTHONPATH": str(client), "PYTHONNOUSERSITE": "1"}
    result = subprocess.run([sys.executable, "-c", READ_WITH_CLIENT, str(published)],
                            capture_output=True, text=True, timeout=120, env=env, cwd=client)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout)
    assert seen["version"] == version, "the test ran the 1.x client, not the project's DuckDB"

    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()[0][0]
        commented = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' AND comment IS NOT NULL").fetchall()[0][0]
        expected = [list(map(str, row)) for row in con.execute(
            "SELECT gemeente, capaciteit, ooit_opgevangen, aanwezig, bestendig_totaal "
            "FROM marts.monitor_op(DATE '2020-11-01', false)").fetchall()]
    finally:
        con.close()
    assert seen["tables"] == tables and seen["commented_columns"] == commented > 0
    assert seen["monitor_op"] == expected and len(expected) == 6
    assert seen["capaciteit_type"] == "INTEGER"


def test_one_parquet_file_per_published_table_with_its_descriptions(demo_warehouse):
    published = demo_warehouse.warehouse / "monitor.duckdb"
    folder = demo_warehouse.warehouse / "parquet"
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = dict(con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall())
        assert sorted(p.stem for p in folder.glob("*.parquet")) == sorted(tables)
        for table, comment in tables.items():
            path = str(folder / f"{table}.parquet")
            assert con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchall() == \
                con.execute(f'SELECT count(*) FROM marts."{table}"').fetchall()
            differing = con.execute(
                f"SELECT count(*) FROM (SELECT * FROM read_parquet('{path}') EXCEPT ALL SELECT * FROM marts.\"{table}\")"
            ).fetchall()[0][0]
            assert differing == 0, table
            metadata = {k.decode(): v.decode() for k, v in con.execute(
                f"SELECT key, value FROM parquet_kv_metadata('{path}')").fetchall()}
            assert metadata["beschrijving"] == comment
            columns = json.loads(metadata["kolommen"])
            assert columns == dict(con.execute(
                "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ? "
                "ORDER BY column_index", [table]).fetchall())
    finally:
        con.close()
    assert not list(demo_warehouse.warehouse.glob(".parquet.tmp-*")), "no leftovers of the swap"
