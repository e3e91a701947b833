"""Attack test of the extract (issue 13): an outsider who knows the public rule "suppressed means
1–9" (and that a secondary suppression hides a published-size count) tries to pin down suppressed
cells exactly, by an exact interval audit (LP, HiGHS) over every relation between the tables,
and then again with the microdata of the same extract as extra bounds."""

from __future__ import annotations

import duckdb

from pipelines.extract.aggregates import build_aggregates
from pipelines.extract.audit import microdata_bounds, recovered_cells
from pipelines.extract.microdata import read_stays
from tests.test_extract import PEILDATUM, extract, published  # noqa: F401  (fixtures)

MIN_CELL = 10


def _aggregates(published_db):
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        return build_aggregates(con, read_stays(con, PEILDATUM), PEILDATUM, MIN_CELL)
    finally:
        con.close()


def test_no_suppressed_cell_is_recoverable_from_the_tables(published):  # noqa: F811
    agg = _aggregates(published)
    assert agg.suppression.primary > 0  # the attack has something to attack
    assert recovered_cells(agg.values, agg.constraints, agg.suppression.status, MIN_CELL) == {}


def test_no_suppressed_cell_is_recoverable_with_the_microdata(published, extract):  # noqa: F811
    folder, _ = extract
    agg = _aggregates(published)
    microdata = duckdb.connect().execute(f"SELECT * FROM read_parquet('{folder / 'verblijven.parquet'}')").fetchdf()
    bounds = microdata_bounds(microdata)
    assert set(bounds) & set(agg.suppression.status)  # the microdata do bound suppressed cells
    recovered = recovered_cells(agg.values, agg.constraints, agg.suppression.status, MIN_CELL, bounds)
    assert recovered == {}, f"{len(recovered)} of {len(agg.suppression.status)} suppressed cells recovered"


def test_the_demo_run_extract_withstands_the_attack(demo_warehouse, tmp_path):
    peildatum = PEILDATUM
    # The measurement was on the demo: 14 cells recovered from the tables, 89 with the microdata.
    from pipelines.extract import write_extract
    from pipelines.publish import publish_warehouse

    published_file = publish_warehouse(demo_warehouse.pipeline_db, tmp_path / "wh")
    write_extract(published_file, peildatum, tmp_path / "extract")
    con = duckdb.connect(str(published_file), read_only=True)
    try:
        agg = build_aggregates(con, read_stays(con, peildatum), peildatum, MIN_CELL)
    finally:
        con.close()
    assert agg.suppression.primary > 0
    assert recovered_cells(agg.values, agg.constraints, agg.suppression.status, MIN_CELL) == {}
    microdata = duckdb.connect().execute(
        f"SELECT * FROM read_parquet('{tmp_path / 'extract' / 'verblijven.parquet'}')").fetchdf()
    bounds = microdata_bounds(microdata)
    assert recovered_cells(agg.values, agg.constraints, agg.suppression.status, MIN_CELL, bounds) == {}
