"""Descriptions travel with the data, and dbt's documentation opens offline (issue 15).

On the demo run of the session (conftest's `demo_warehouse`, the whole asset graph):

- every published table and column of `monitor.duckdb` carries its dbt YAML description as a
  DuckDB comment, and `duckdb_columns()` shows exactly the YAML's text;
- the nightly run wrote dbt's documentation as one static file, `<warehouse>/docs/index.html`,
  which holds no row of data (no catalog statistics, no identifier of the restricted zone, no
  value of a mart that only data would give), and which headless Chromium, with the network
  blocked, renders with the model list and a lineage graph from the raw zone to the marts;
- dbt's own `dbt docs generate`, run by hand from `dbt_project/`, works.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.browser import require_chromium, visit_offline

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"


def _yaml_descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """model → (description, {column: description}) of every model of the marts folder, from dbt's
    own parse of the YAML (doc blocks rendered), i.e. what dbt persists."""
    manifest = json.loads((DBT_PROJECT / "target" / "manifest.json").read_text(encoding="utf-8"))
    return {
        node["name"]: (node["description"], {c: v["description"] for c, v in node["columns"].items()})
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def test_every_published_table_and_column_has_its_yaml_description(demo_warehouse):
    published = demo_warehouse.warehouse / "monitor.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = dict(con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall())
        columns = {(t, c): comment for t, c, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'").fetchall()}
    finally:
        con.close()
    assert len(tables) >= 20 and len(columns) >= 150
    assert [t for t, comment in tables.items() if not (comment or "").strip()] == []
    assert [f"{t}.{c}" for (t, c), comment in columns.items() if not (comment or "").strip()] == []

    yaml = _yaml_descriptions()
    published_marts = set(tables) - {"publicatie", "publicatie_leveringen"}
    assert published_marts <= set(yaml), "every published mart is a dbt model of the marts folder"
    for table in published_marts:
        description, column_descriptions = yaml[table]
        assert tables[table] == description
        for column, text in column_descriptions.items():
            assert columns[(table, column)] == text, f"{table}.{column}"
    # In Dutch, with units and code lists where a column has them.
    assert "aantal" in columns[("fct_monitor", "aanwezig")].lower()
    assert "dagen" in columns[("fct_uitstroom", "dagen_in_lvv")].lower()
    assert "EU_BURGER" in columns[("fct_instroom", "buiten_doelgroep_redenen")]
    assert "fractie" in columns[("fct_vragen__kenmerken", "aandeel_mannen")]


def test_integer_counts_have_integer_types(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse.warehouse / "monitor.duckdb"), read_only=True)
    try:
        types = dict(con.execute(
            "SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts'"
        ).fetchall())
        macro_types = {d[0]: str(d[1]) for d in con.execute(
            "SELECT * FROM marts.monitor_op(DATE '2020-11-01', false)").description}
        frame = con.execute("SELECT capaciteit FROM marts.fct_monitor").df()
    finally:
        con.close()
    assert "HUGEINT" not in set(types.values())
    assert types["fct_monitor.capaciteit"] == "INTEGER" and macro_types["capaciteit"] == "INTEGER"
    assert str(frame["capaciteit"].dtype).lower().startswith("int"), "pandas gets whole numbers, not 360.0"


# ---------------------------------------------------------------------------------------------
# dbt's documentation site


def test_the_nightly_run_writes_one_static_docs_file_without_data(demo_warehouse):
    from pipelines.publish.scanner import scan_for_identifiers

    site = demo_warehouse.warehouse / "docs" / "index.html"
    assert site.is_file() and site.stat().st_size > 500_000
    html = site.read_text(encoding="utf-8")
    assert "fct_monitor" in html and "De monitortabel van MONITOR.md" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", html), "no external script or style"
    catalog = json.loads((demo_warehouse.warehouse / "dbt" / "docs" / "catalog.json").read_text(encoding="utf-8"))
    stats = {key for section in ("nodes", "sources") for node in catalog[section].values() for key in node["stats"]}
    assert stats <= {"has_stats"}, f"table statistics in the docs: {stats}"
    assert scan_for_identifiers([site], demo_warehouse.pipeline_db) == []
    # No pseudonym of a person or stay either: keys only occur in data, never in documentation.
    con = duckdb.connect(str(demo_warehouse.warehouse / "monitor.duckdb"), read_only=True)
    try:
        keys = [k for (k,) in con.execute("SELECT persoon_key FROM marts.dim_persoon USING SAMPLE 200 ROWS").fetchall()]
    finally:
        con.close()
    assert keys and not [k for k in keys if k in html]


def test_docs_render_offline_with_model_list_and_lineage(demo_warehouse):
    require_chromium()
    site = demo_warehouse.warehouse / "docs" / "index.html"
    expression = (Path(__file__).parent / "browser_dbt_docs.js").read_text(encoding="utf-8")
    visit = visit_offline(site.as_uri() + "#!/model/model.lvv_monitor.fct_monitor?g_v=1", expression, timeout=45)
    assert visit.value, f"the docs did not render: {visit.errors[:3]}"
    assert visit.outside_requests == [], "a request tried to leave the machine"
    page = visit.value
    assert page["description_shown"]
    for model in ("fct_monitor", "dim_pilot", "fct_instroom", "fct_vragen__doorlooptijden"):
        assert model in page["sidebar"], f"{model} not in the model list"
    assert page["canvases"] >= 1, "the lineage graph is drawn"
    nodes, edges = set(page["nodes"]), page["edges"]
    assert "model.lvv_monitor.fct_monitor" in nodes and any(n.startswith("source.lvv_monitor.raw.") for n in nodes)
    # The lineage runs from the raw zone (dbt sources) all the way to the monitor.
    reached = {n for n in nodes if n.startswith("source.lvv_monitor.raw.")}
    while True:
        more = {target for source, target in edges if source in reached} - reached
        if not more:
            break
        reached |= more
    assert "model.lvv_monitor.fct_monitor" in reached


def test_dbt_docs_generate_works_by_hand_from_dbt_project(demo_warehouse, tmp_path):
    """As docs/architecture.md tells an operator: `cd dbt_project && dbt docs generate`."""
    dbt = Path(sys.executable).with_name("dbt")
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    shutil.copy(demo_warehouse.pipeline_db, warehouse / "lvv.duckdb")
    env = {**os.environ, "LVV_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": ""}
    env.pop("DBT_PROFILES_DIR")
    result = subprocess.run(
        [str(dbt), "docs", "generate", "--static", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (tmp_path / "target" / "static_index.html").stat().st_size > 500_000


def test_the_site_is_not_generated_twice_for_the_same_project_and_tables(demo_warehouse, tmp_path):
    """Issue 12 (no work twice): a second night with the same code and tables keeps the site, but
    still scans it against tonight's restricted zone; a changed table makes dbt write it anew."""
    from pipelines.documentation import DocsError, write_dbt_docs

    warehouse = tmp_path / "warehouse"
    shutil.copytree(demo_warehouse.warehouse, warehouse, ignore=shutil.ignore_patterns("*.lock", ".run.lock"))
    messages: list[str] = []
    site = write_dbt_docs(warehouse, progress=messages.append)
    assert "dbt docs generate --static" in messages  # a new path: generated
    written = site.stat().st_mtime_ns

    messages.clear()
    assert write_dbt_docs(warehouse, progress=messages.append) == site
    assert site.stat().st_mtime_ns == written
    assert any("niet opnieuw gemaakt" in m for m in messages) and "dbt docs generate --static" not in messages

    # The kept site is still scanned: an identifier of tonight's restricted zone in it is refused.
    con = duckdb.connect(str(warehouse / "lvv.duckdb"), read_only=True)
    try:
        v_nummer = con.execute("select v_nummer from staging.stg_gemeente__verblijven "
                               "where v_nummer is not null limit 1").fetchone()[0]
    finally:
        con.close()
    kept = site.read_bytes()
    site.write_bytes(kept + f"<!-- {v_nummer} -->".encode())
    with pytest.raises(DocsError, match="identificerende gegevens"):
        write_dbt_docs(warehouse)
    site.write_bytes(kept)

    # Another table in the pipeline database is another catalog: generated again.
    con = duckdb.connect(str(warehouse / "lvv.duckdb"))
    try:
        con.execute("create table main.nog_een_tabel (x integer)")
    finally:
        con.close()
    messages.clear()
    write_dbt_docs(warehouse, progress=messages.append)
    assert "dbt docs generate --static" in messages
    assert site.stat().st_mtime_ns != written
