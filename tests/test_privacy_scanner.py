"""The output scanner finds every kind of identifier of the restricted zone wherever it hides,
and finds nothing in what is published and extracted (synthetic data and the demo run)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.publish.scanner import (
    file_kind,
    is_forbidden_column,
    load_identifiers,
    mask,
    scan_for_identifiers,
)
from tests.synthetic_pipeline import make_pipeline_db


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory) -> Path:
    return make_pipeline_db(tmp_path_factory.mktemp("scanner") / "lvv.duckdb", n_persons=120, seed=3)


@pytest.fixture(scope="module")
def raw_identifiers(pipeline_db) -> dict[str, set[str]]:
    con = duckdb.connect(str(pipeline_db), read_only=True)
    try:
        def values(sql: str) -> set[str]:
            return {r[0] for r in con.execute(sql).fetchall() if r[0]}

        return {
            "v_nummer": values("SELECT v_nummer FROM raw.gemeente_verblijven UNION SELECT v_nummer FROM raw.ind_procedures "
                               "UNION SELECT v_nummer FROM raw.dtv_vertrekzaken"),
            "client_id": values("SELECT client_id FROM raw.gemeente_verblijven"),
            "verblijf_id": values("SELECT verblijf_id FROM raw.gemeente_verblijven"),
            "geboortedatum": values("SELECT geboortedatum FROM raw.gemeente_verblijven"),
        }
    finally:
        con.close()


def test_every_identifier_of_the_raw_zone_is_known(pipeline_db, raw_identifiers):
    known = load_identifiers(pipeline_db)
    for kind, values in raw_identifiers.items():
        assert values, kind
        assert values <= known.keys(), kind
    # ... including those of quarantined rows (as delivered).
    assert known["UTR-Q0001"] == "client_id"
    assert known["3999999999"] == "v_nummer"
    assert known["31-12-1977"] == "geboortedatum"


def test_scanner_finds_identifiers_wherever_they_hide(tmp_path, pipeline_db, raw_identifiers):
    v_nummer = sorted(raw_identifiers["v_nummer"])[0]
    client_id = sorted(raw_identifiers["client_id"])[0]
    verblijf_id = sorted(raw_identifiers["verblijf_id"])[0]
    birth = sorted(raw_identifiers["geboortedatum"])[0]

    # A DuckDB file under a temporary name (recognised by its content), with identifiers in a
    # cell, inside a text, inside a list, as a DATE, in a macro, and a forbidden column name.
    db = tmp_path / "out" / ".monitor.duckdb.tmp-1-abcd"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.a (label VARCHAR, lijst VARCHAR[], d DATE, n INTEGER)")
    con.execute("INSERT INTO marts.a VALUES (?, ?, ?, 1), (?, NULL, NULL, 2)",
                [v_nummer, ["X", client_id], date.fromisoformat(birth), f"zie dossier {verblijf_id}, blz 3"])
    con.execute("CREATE TABLE marts.b (geboortedatum VARCHAR)")
    con.execute(f"CREATE MACRO marts.m(x) AS x = '{v_nummer}'")
    con.close()
    assert file_kind(db) == "duckdb"

    # A Parquet file, a CSV file, a JSON file and a file name.
    pq.write_table(pa.table({"code": [f"{client_id}"], "Client ID": ["x"]}), tmp_path / "out" / "t.parquet")
    (tmp_path / "out" / "t.csv").write_text(f"a;b\n1;{verblijf_id}\n", encoding="utf-8")
    (tmp_path / "out" / "m.json").write_text(json.dumps({"x": [birth]}), encoding="utf-8")
    (tmp_path / "out" / f"export_{v_nummer}.txt").write_text("niets\n", encoding="utf-8")

    findings = scan_for_identifiers([tmp_path / "out"], pipeline_db)
    found = {(Path(f.path).name, f.location, f.kind, f.identifier_type) for f in findings}
    expected = {
        (db.name, "marts.a.label", "identifier", "v_nummer"),
        (db.name, "marts.a.lijst", "identifier", "client_id"),
        (db.name, "marts.a.d", "identifier", "geboortedatum"),
        (db.name, "marts.a.label", "identifier", "verblijf_id"),
        (db.name, "marts.b.geboortedatum", "forbidden_column", "geboortedatum"),
        (db.name, "definition of marts.m", "identifier", "v_nummer"),
        ("t.parquet", "t.parquet.code", "identifier", "client_id"),
        ("t.parquet", "t.parquet.Client ID", "forbidden_column", "Client ID"),
        ("t.csv", "line 2", "identifier", "verblijf_id"),
        ("m.json", "line 1", "identifier", "geboortedatum"),
        (f"export_{v_nummer}.txt", "file name", "identifier", "v_nummer"),
    }
    assert expected <= found, expected - found
    # Nothing else: the integer column and the other cells hold nothing.
    assert found - expected == set()
    # A finding never shows the identifier in full.
    assert all(v_nummer not in f.sample and client_id not in f.sample for f in findings)


def test_forbidden_column_names():
    for name in ("v_nummer", "V-Nummer", "client_id", "ClientID", "verblijf_id", "geboortedatum", "birth_date",
                 "geboortejaar", "raw_values", "opmerking", "toelichting", "bsn"):
        assert is_forbidden_column(name), name
    for name in ("persoon_key", "verblijf_key", "bron", "instroomdatum", "leeftijd_bij_instroom", "nationaliteit"):
        assert not is_forbidden_column(name), name


def test_mask_hides_the_middle():
    assert mask("1234567890") == "12******90"
    assert mask("A1") == "**"


def test_scanner_finds_nothing_in_clean_files(tmp_path, pipeline_db):
    out = tmp_path / "clean"
    out.mkdir()
    pq.write_table(pa.table({"pilot": ["utrecht"], "aantal": [12], "d": [date(2020, 11, 1)]}), out / "x.parquet")
    (out / "x.csv").write_text("pilot,aantal\nutrecht,12\n", encoding="utf-8")
    assert scan_for_identifiers([out], pipeline_db) == []
    with pytest.raises(FileNotFoundError):
        scan_for_identifiers([tmp_path / "bestaat-niet"], pipeline_db)


def test_demo_outputs_hold_no_identifier(demo_warehouse, tmp_path):
    """The real marts of the demo run: the published file and an extract hold nothing of the
    restricted zone (identifiers nor forbidden columns)."""
    from pipelines.extract import write_extract
    from pipelines.publish import publish_warehouse

    published = publish_warehouse(demo_warehouse.pipeline_db, tmp_path / "wh")
    write_extract(published, date(2020, 11, 1), tmp_path / "extract")
    findings = scan_for_identifiers([published, tmp_path / "extract"], demo_warehouse.pipeline_db)
    assert findings == [], "\n".join(map(str, findings[:20]))
    # The scanner does see the identifiers in the pipeline database itself (it is not blind).
    assert scan_for_identifiers([demo_warehouse.pipeline_db], demo_warehouse.pipeline_db)
