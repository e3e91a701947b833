"""The scanner does the nightly work once without finding less (issue 12): the identifiers of
one state of the pipeline database are loaded once and computed in DuckDB exactly as the
row-by-row loader does; a file whose bytes were scanned clean is not scanned again, but a changed
file, or a changed pipeline database, is scanned in full; the published file is built with the
same tables, rows and comments."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import pipelines.publish.scanner as scanner
from pipelines.publish.scanner import (
    clear_identifier_cache,
    load_identifiers,
    scan_for_identifiers,
    searchable,
    zone_identifiers,
    zone_state,
)
from tests.synthetic_pipeline import make_pipeline_db

# Values that test the SQL form of `is_searchable` and of "the first kind wins": non-ASCII (Python's
# len counts characters, DuckDB's strlen bytes), Arabic-Indic digits (`str.isdigit` is true for
# them), short digit strings, white space around a value, only white space, and one value
# delivered both as a v_nummer and as a client_id.
EDGE_CASES = [
    ("ÄB12", "v_nummer"), ("é12", "v_nummer"), ("١٢٣٤٥٦", "client_id"), ("١٢٣٤", "client_id"),
    ("12345", "verblijf_id"), ("123456", "verblijf_id"), ("  AB-77  ", "client_id"), ("   ", "client_id"),
    ("ZZ-TWICE-1", "v_nummer"), ("ZZ-TWICE-1", "client_id"),
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_identifier_cache()
    yield
    clear_identifier_cache()


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    return make_pipeline_db(tmp_path_factory.mktemp("reuse") / "lvv.duckdb", n_persons=60, seed=5)


@pytest.fixture
def pipeline_db(base_db, tmp_path) -> Path:
    db = tmp_path / "lvv.duckdb"
    shutil.copyfile(base_db, db)
    con = duckdb.connect(str(db))
    try:
        for value, kind in EDGE_CASES:
            con.execute(f"INSERT INTO raw.gemeente_verblijven ({kind}) VALUES (?)", [value])
    finally:
        con.close()
    return db


def _clean_file(path: Path, values: list[str]) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.t AS SELECT unnest(?) AS label", [values])
    finally:
        con.close()
    return path


def test_the_identifiers_computed_in_duckdb_are_those_of_the_row_by_row_loader(pipeline_db):
    expected = searchable(load_identifiers(pipeline_db))
    zone = zone_identifiers(pipeline_db)
    assert zone.identifiers.as_dict() == expected
    assert zone.identifiers.table.num_rows == len(expected)  # no value twice
    assert zone.identifiers.lookup({"ÄB12", "UTR-Q0001", "é12", "Amsterdam"}) == {"ÄB12": "v_nummer", "UTR-Q0001": "client_id"}
    # The edge cases went the way `is_searchable` and `setdefault` send them.
    assert expected["ÄB12"] == "v_nummer" and expected["١٢٣٤٥٦"] == "client_id"
    assert expected["AB-77"] == "client_id" and expected["ZZ-TWICE-1"] == "v_nummer"
    assert "123456" in expected
    for short in ("é12", "١٢٣٤", "12345", ""):
        assert short not in expected
    # ... and the quarantined rows still count.
    assert expected["UTR-Q0001"] == "client_id"


def test_one_state_is_loaded_once_and_a_write_loads_again(pipeline_db, monkeypatch):
    loads = []
    real = scanner._load_searchable
    monkeypatch.setattr(scanner, "_load_searchable", lambda db: loads.append(db) or real(db))
    first = zone_identifiers(pipeline_db)
    assert zone_identifiers(pipeline_db) is first and len(loads) == 1
    state = zone_state(pipeline_db)
    con = duckdb.connect(str(pipeline_db))
    try:
        con.execute("INSERT INTO raw.gemeente_verblijven (v_nummer) VALUES ('NEW-V-000001')")
    finally:
        con.close()
    assert zone_state(pipeline_db) != state
    assert zone_identifiers(pipeline_db).identifiers.lookup({"NEW-V-000001"}) == {"NEW-V-000001": "v_nummer"}
    assert len(loads) == 2


def test_a_file_scanned_clean_is_not_scanned_again_a_changed_one_is(pipeline_db, tmp_path, monkeypatch):
    out = _clean_file(tmp_path / "monitor.duckdb", ["Amsterdam", "Utrecht"])
    scans = []
    real = scanner._scan_duckdb
    monkeypatch.setattr(scanner, "_scan_duckdb", lambda *a: scans.append(a[0]) or real(*a))
    assert scan_for_identifiers([out], pipeline_db) == []
    assert scan_for_identifiers([out], pipeline_db) == [] and len(scans) == 1  # same bytes, same zone

    # The same bytes under another name are not scanned again either, but the name is.
    renamed = tmp_path / "ZZ-TWICE-1.duckdb"
    shutil.copyfile(out, renamed)
    findings = scan_for_identifiers([renamed], pipeline_db)
    assert len(scans) == 1 and [f.location for f in findings] == ["file name"]

    # An identifier written into the file afterwards is found: other bytes, a full scan.
    con = duckdb.connect(str(out))
    try:
        con.execute("INSERT INTO marts.t VALUES ('ZZ-TWICE-1')")
    finally:
        con.close()
    findings = scan_for_identifiers([out], pipeline_db)
    assert len(scans) == 2 and [(f.location, f.identifier_type) for f in findings] == [("marts.t.label", "v_nummer")]


def test_a_new_identifier_in_the_zone_is_found_in_a_file_scanned_clean_before(pipeline_db, tmp_path):
    out = _clean_file(tmp_path / "monitor.duckdb", ["Amsterdam", "LATER-V-0000042"])
    assert scan_for_identifiers([out], pipeline_db) == []
    con = duckdb.connect(str(pipeline_db))
    try:
        con.execute("INSERT INTO raw.ind_procedures (v_nummer) VALUES ('LATER-V-0000042')")
    finally:
        con.close()
    findings = scan_for_identifiers([out], pipeline_db)
    assert [(f.location, f.identifier_type) for f in findings] == [("marts.t.label", "v_nummer")]


def test_extra_identifiers_are_looked_for_and_do_not_mark_a_file_clean(pipeline_db, tmp_path):
    out = _clean_file(tmp_path / "extract.duckdb", ["pseudo-key-0001"])
    assert scan_for_identifiers([out], pipeline_db) == []
    findings = scan_for_identifiers([out], pipeline_db, extra_identifiers={"pseudo-key-0001": "persoon_id"})
    assert [f.identifier_type for f in findings] == ["persoon_id"]
    # An extra value that is also an identifier of the zone takes the extra kind (as dict.update did).
    extra = zone_identifiers(pipeline_db).identifiers.updated({"ZZ-TWICE-1": "persoon_id", "pseudo-key-0001": "persoon_id"})
    expected = searchable(load_identifiers(pipeline_db)) | {"ZZ-TWICE-1": "persoon_id", "pseudo-key-0001": "persoon_id"}
    assert extra.as_dict() == expected


def test_a_text_file_is_scanned_line_by_line_with_one_lookup(pipeline_db, tmp_path):
    page = tmp_path / "site" / "index.html"
    page.parent.mkdir()
    page.write_text("<p>Amsterdam</p>\n<td>ZZ-TWICE-1</td>\n<p>[AB-77, x]</p>\n", encoding="utf-8")
    findings = scan_for_identifiers([page.parent], pipeline_db)
    assert [(f.location, f.identifier_type) for f in findings] == [("line 2", "v_nummer"), ("line 3", "client_id")]
