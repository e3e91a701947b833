"""Evaluation extracts: the package, k-anonymity of the microdata, cell suppression of the
tables, pseudonyms that cannot be linked, and refusals. A constructed population, a synthetic
published file, and the demo run."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.extract import ExtractError, write_extract
from pipelines.extract.cells import Constraint, recomputable_cells, suppress_cells
from pipelines.extract.microdata import QI_COLUMNS, released_qi_keys
from pipelines.extract.sdc import QuasiIdentifier, k_anonymity_violations, k_anonymize
from pipelines.pseudonym import MissingPseudonymKey
from pipelines.publish import publish_warehouse
from tests.synthetic_pipeline import make_pipeline_db

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["verblijven", "monitor_peildatum", "instroom_per_kwartaal", "uitstroom_per_kwartaal",
          "onderdrukte_cellen", "sdc_rapport", "codeboek"]
PEILDATUM = date(2020, 11, 1)


@pytest.fixture
def demo_mode(monkeypatch):
    monkeypatch.setenv("LVV_DEMO", "1")
    monkeypatch.delenv("LVV_PSEUDONYM_KEY", raising=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("extract-src")
    mp = pytest.MonkeyPatch()
    mp.setenv("LVV_DEMO", "1")
    try:
        pipeline = make_pipeline_db(folder / "lvv.duckdb", n_persons=400, seed=5)
        path = publish_warehouse(pipeline, folder)
    finally:
        mp.undo()
    # The extract reads only the published file: give it a folder with nothing else.
    alone = tmp_path_factory.mktemp("published-only") / "monitor.duckdb"
    shutil.copy(path, alone)
    return alone


@pytest.fixture(scope="module")
def extract(published, tmp_path_factory) -> tuple[Path, object]:
    mp = pytest.MonkeyPatch()
    mp.setenv("LVV_DEMO", "1")
    try:
        out = tmp_path_factory.mktemp("extract") / "pakket"
        return out, write_extract(published, PEILDATUM, out)
    finally:
        mp.undo()


def read(folder: Path, table: str, fmt: str = "parquet") -> pd.DataFrame:
    con = duckdb.connect()
    try:
        source = (f"read_parquet('{folder / (table + '.parquet')}')" if fmt == "parquet"
                  else f"read_csv('{folder / (table + '.csv')}', header = true, all_varchar = true)")
        result = con.execute(f"SELECT * FROM {source}")
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
    finally:
        con.close()
    return pd.DataFrame(rows, columns=columns, dtype=object)


# --- the package ------------------------------------------------------------------------------


def test_package_has_every_table_as_parquet_and_csv_and_a_manifest(extract, published):
    out, manifest = extract
    names = {p.name for p in out.iterdir()}
    expected = {f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")} | {"CODEBOOK.md", "README.md", "manifest.json"}
    assert names == expected
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["peildatum"] == PEILDATUM.isoformat() and data["is_demo"] is True
    assert data["parameters"]["k"] == 5 and data["parameters"]["celdrempel"] == 10
    assert data["parameters"]["quasi_identificatoren"] == QI_COLUMNS
    assert data["code_version"]
    assert data["published"]["sha256"] == hashlib.sha256(published.read_bytes()).hexdigest()
    assert {d["bron"] for d in data["deliveries"]} == {"amsterdam", "rotterdam", "utrecht", "groningen", "eindhoven", "ind", "dtv"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", d["sha256"]) for d in data["deliveries"])
    listed = {f["pad"]: f for f in data["files"]}
    assert set(listed) == expected - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest(), name
    assert manifest.path == out and manifest.files == data["files"]
    # Parquet and CSV hold the same rows.
    for table in TABLES:
        parquet, csv = read(out, table), read(out, table, "csv")
        assert len(parquet) == len(csv) == listed[f"{table}.parquet"]["rijen"], table
        as_text = [[None if v is None else (str(v).lower() if isinstance(v, bool) else str(v)) for v in row]
                   for row in parquet.values.tolist()]
        assert as_text == csv.values.tolist(), table
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "DEMO" in readme and "k = 5" in readme


def test_codebook_describes_every_column(extract):
    out, _ = extract
    codebook = read(out, "codeboek")
    described = set(zip(codebook["tabel"], codebook["kolom"]))
    for table in TABLES:
        for column in read(out, table).columns:
            assert (table, column) in described, (table, column)
    assert codebook["betekenis"].map(bool).all() and codebook["type"].map(bool).all()


# --- microdata ---------------------------------------------------------------------------------


def test_microdata_is_k_anonymous_on_the_released_values(extract):
    out, manifest = extract
    for fmt in ("parquet", "csv"):
        frame = read(out, "verblijven", fmt)
        assert k_anonymity_violations(released_qi_keys(frame), 5).empty
        # Also the plain reading: every combination of the QI columns as they are (empty = a value).
        sizes = frame[QI_COLUMNS].fillna("<leeg>").value_counts()
        assert sizes.min() >= 5
    assert manifest.disclosure_control["records_in"] == manifest.disclosure_control["records_uit"] + \
        manifest.disclosure_control["records_verwijderd"]


def test_microdata_rules(extract, published):
    out, manifest = extract
    frame = read(out, "verblijven")
    con = duckdb.connect(str(published), read_only=True)
    try:
        started = con.execute(
            "SELECT count(*) FROM marts.fct_monitor_verblijven WHERE kennisstand = 'nieuwste' AND instroomdatum <= ?",
            [PEILDATUM]).fetchall()[0][0]
        keys = {r[0] for r in con.execute(
            "SELECT verblijf_key FROM marts.fct_monitor_verblijven UNION SELECT persoon_key FROM marts.dim_persoon"
        ).fetchall()}
    finally:
        con.close()
    assert len(frame) + manifest.disclosure_control["records_verwijderd"] == started
    assert frame["verblijf_pseudoniem"].is_unique
    assert not (set(frame["verblijf_pseudoniem"]) | set(frame["persoon_pseudoniem"])) & keys
    text = (out / "verblijven.csv").read_text(encoding="utf-8")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "no day-level date in the microdata"
    for column in ("instroomperiode", "uitstroomperiode"):
        for value in frame[column].dropna():
            assert re.fullmatch(r"\d{4}(-\d{2}|-K[1-4])?", value), value
            assert value[:4] <= str(PEILDATUM.year)
    # An uitstroom period only with a category; still present: neither.
    assert frame.loc[frame["uitstroomperiode"].notna(), "uitstroomcategorie"].notna().all()
    # `onderdrukt` (issue 13): a stay present at the peildatum whose scenario cell is suppressed.
    assert set(frame["scenario"]) <= {"vertrek", "verblijf", "geen", "onderdrukt"}
    hidden = frame[frame["scenario"] == "onderdrukt"]
    assert hidden["uitstroomcategorie"].isna().all() and hidden["uitstroomperiode"].isna().all()
    assert set(frame["eerdere_vertrekprocedures"].dropna()) <= {"0", "1", "2+"}
    report = read(out, "sdc_rapport")
    assert list(report["stap"]) == list(range(1, len(report) + 1))
    assert set(report["soort"]) <= {"generalisatie", "onderdrukking", "verwijdering"}


def test_two_extracts_cannot_be_linked_by_their_pseudonyms(extract, published, tmp_path, demo_mode):
    out, _ = extract
    again = tmp_path / "nog-een"
    write_extract(published, PEILDATUM, again)
    first, second = read(out, "verblijven"), read(again, "verblijven")
    assert len(first) == len(second)
    assert not set(first["verblijf_pseudoniem"]) & set(second["verblijf_pseudoniem"])
    assert not set(first["persoon_pseudoniem"]) & set(second["persoon_pseudoniem"])


# --- the aggregate tables -----------------------------------------------------------------------


def lines(frame: pd.DataFrame, dims: list[str]):
    """Every line of a table with totals: all cells that differ only in one dimension (its total included)."""
    for dim in dims:
        others = [d for d in dims if d != dim]
        for _, group in frame.groupby(others):
            yield dim, group


def test_no_visible_cell_under_10_and_no_line_with_a_single_suppressed_cell(extract):
    out, manifest = extract
    for table, dims in (("instroom_per_kwartaal", ["pilot", "kwartaal"]),
                        ("uitstroom_per_kwartaal", ["pilot", "kwartaal", "uitstroomcategorie"])):
        frame = read(out, table)
        visible = frame["aantal_verblijven"].dropna()
        assert (visible >= 10).all(), table
        assert (frame["aantal_verblijven"].isna() == frame["onderdrukt"].notna()).all()
        for dim, group in lines(frame, dims):
            assert group["aantal_verblijven"].isna().sum() != 1, (table, dim, group)
    monitor = read(out, "monitor_peildatum")
    counts = [c for c in monitor.columns if c not in ("peildatum", "gemeente", "capaciteit")]
    for column in counts:
        assert (monitor[column].dropna() >= 10).all(), column
        assert monitor[column].isna().sum() != 1, column  # the totaal row is the sum of the pilots
    row_groups = [["bestendig_totaal", "bestendig_verblijf", "terugkeer", "doormigratie"],
                  ["aanwezig", "scenario_vertrek", "scenario_verblijf", "scenario_geen"]]
    for _, row in monitor.iterrows():
        for group in row_groups:
            assert sum(row[c] is None for c in group) != 1, (row["gemeente"], group)
    assert manifest.disclosure_control["cellen_primair_onderdrukt"] > 0
    # The list of suppressed cells matches the empty cells.
    listed = read(out, "onderdrukte_cellen")
    uitstroom = read(out, "uitstroom_per_kwartaal")
    assert (listed["tabel"] == "uitstroom_per_kwartaal").sum() == uitstroom["aantal_verblijven"].isna().sum()


def test_visible_cells_are_the_true_counts(extract, published):
    out, _ = extract
    monitor = read(out, "monitor_peildatum")
    con = duckdb.connect(str(published), read_only=True)
    try:
        truth = con.execute("SELECT * FROM marts.monitor_op(?, false)", [PEILDATUM]).fetchdf()
    finally:
        con.close()
    for (_, shown), (_, true) in zip(monitor.iterrows(), truth.iterrows()):
        assert shown["gemeente"] == true["gemeente"]
        for column in monitor.columns:
            if column != "peildatum" and shown[column] is not None:
                assert shown[column] == true[column], (shown["gemeente"], column)
    uitstroom = read(out, "uitstroom_per_kwartaal")
    totals = uitstroom[(uitstroom["kwartaal"] == "totaal") & (uitstroom["pilot"] == "totaal")]
    for _, row in totals.iterrows():
        if row["uitstroomcategorie"] != "totaal" and row["aantal_verblijven"] is not None:
            assert row["aantal_verblijven"] == truth.loc[truth["gemeente"] == "totaal", row["uitstroomcategorie"]].item()


# --- a constructed population ---------------------------------------------------------------------


def constructed_population() -> pd.DataFrame:
    """60 records: a big common group, smaller ones that generalization can merge, and outliers."""
    rows = []
    rows += [("utrecht", "M", "1990-01", "ERI")] * 30
    rows += [("utrecht", "M", "1990-02", "ERI")] * 3 + [("utrecht", "M", "1990-03", "ERI")] * 3
    rows += [("utrecht", "V", "1990-01", "NGA")] * 2 + [("utrecht", "V", "1990-02", "GIN")] * 2 + \
            [("utrecht", "V", "1990-03", "SLE")] * 2
    rows += [("groningen", "M", "1990-01", "ERI")] * 14
    rows += [("groningen", "X", "1990-07", "IRN")]  # unique on everything
    rows += [("eindhoven", "V", "1991-12", "VEN")] * 3  # a pilot with only three records
    return pd.DataFrame(rows, columns=["pilot", "geslacht", "maand", "land"])


def qis_for(frame: pd.DataFrame) -> list[QuasiIdentifier]:
    quarter = frame["maand"].map(lambda m: f"{m[:4]}-K{(int(m[5:]) - 1) // 3 + 1}")
    regions = {"ERI": "Oost-Afrika", "NGA": "West-Afrika", "GIN": "West-Afrika", "SLE": "West-Afrika",
               "IRN": "Midden-Oosten", "VEN": "Latijns-Amerika"}
    return [
        QuasiIdentifier("maand", [frame["maand"], quarter, frame["maand"].str[:4]], ["maand", "kwartaal", "jaar"]),
        QuasiIdentifier("land", [frame["land"], frame["land"].map(regions), pd.Series("overig", index=frame.index)],
                        ["land", "regio", "overig"]),
        QuasiIdentifier("geslacht", [frame["geslacht"]], ["geslacht"]),
        QuasiIdentifier("pilot", [frame["pilot"]], ["pilot"], suppress_last=True),
    ]


def test_k_anonymity_on_a_constructed_population():
    frame = constructed_population()
    result = k_anonymize(frame, qis_for(frame), k=5, max_suppression_share=0.1)
    released = result.frame
    assert k_anonymity_violations(released[["maand", "land", "geslacht", "pilot"]], 5).empty
    # Generalization first: months became quarters, countries regions (a single level for all).
    assert result.levels["maand"] == 1 and result.levels["land"] == 1
    assert set(released["maand"].dropna()) <= {"1990-K1", "1990-K3", "1991-K4"}
    kinds = [s.soort for s in result.steps]
    assert kinds.index("generalisatie") < kinds.index("onderdrukking")
    # Then suppression, last removal: the unique X record and the three Eindhoven records still
    # stand apart; even with every QI empty they are only four, so they are removed.
    outlier = frame.index[frame["geslacht"] == "X"][0]
    assert outlier in result.removed and len(result.removed) == 4
    assert "eindhoven" not in set(released["pilot"])
    assert kinds[-1] == "verwijdering"
    assert len(released) + len(result.removed) == len(frame)
    # With one more Eindhoven record the five keep their outcome, with every QI empty.
    bigger = pd.concat([frame, frame[frame["pilot"] == "eindhoven"].head(1)], ignore_index=True)
    kept = k_anonymize(bigger, qis_for(bigger), k=5, max_suppression_share=0.1)
    assert len(kept.removed) == 0 and len(kept.frame) == len(bigger)
    blank = kept.frame[kept.frame["pilot"].isna()]
    assert len(blank) == 5 and blank[["maand", "land", "geslacht"]].isna().all().all()
    assert k_anonymity_violations(kept.frame[["maand", "land", "geslacht", "pilot"]], 5).empty
    # The report adds up: per step the records and cells it changed.
    for step in result.steps:
        assert step.records_gewijzigd >= 0 and step.cellen_gewijzigd >= 0
    suppressed = sum(s.cellen_gewijzigd for s in result.steps if s.soort == "onderdrukking")
    assert suppressed == sum(int(m.sum()) for m in result.suppressed.values()) - sum(
        int((m & frame[c].isna()).sum()) for c, m in result.suppressed.items())


def test_records_that_cannot_be_protected_are_removed():
    frame = pd.DataFrame({"pilot": ["a", "b", "c"], "x": ["1", "2", "3"]})
    result = k_anonymize(frame, [QuasiIdentifier("x", [frame["x"]], ["x"]),
                                 QuasiIdentifier("pilot", [frame["pilot"]], ["pilot"], suppress_last=True)],
                         k=5, max_suppression_share=0.05)
    assert len(result.frame) == 0 and len(result.removed) == 3
    assert result.steps[-1].soort == "verwijdering"


def test_cell_suppression_on_a_small_table():
    # rows a, b, c and columns x, y, z with totals; a·x = 3 is small.
    inner = {("a", "x"): 3, ("a", "y"): 20, ("a", "z"): 30, ("b", "x"): 15, ("b", "y"): 12, ("b", "z"): 40,
             ("c", "x"): 25, ("c", "y"): 11, ("c", "z"): 18}
    values = dict(inner)
    constraints = []
    for r in "abc":
        values[(r, "T")] = sum(inner[(r, c)] for c in "xyz")
        constraints.append(Constraint((r, "T"), tuple((r, c) for c in "xyz")))
    for c in "xyzT":
        values[("T", c)] = sum(values[(r, c)] for r in "abc")
        constraints.append(Constraint(("T", c), tuple((r, c) for r in "abc")))
    assert recomputable_cells(values, constraints, {("a", "x")}) == {("a", "x")}
    result = suppress_cells(values, constraints, 10)
    assert result.status[("a", "x")] == "primair"
    assert result.secondary >= 3  # at least a rectangle
    assert recomputable_cells(values, constraints, set(result.status)) == set()
    # No row or column with exactly one suppressed cell.
    for r in "abcT":
        assert sum((r, c) in result.status for c in "xyzT") != 1
    for c in "xyzT":
        assert sum((r, c) in result.status for r in "abcT") != 1
    # The row/column rule alone is not enough: three rows chained through two columns.
    chain = {("a", "x"), ("a", "y"), ("b", "y"), ("b", "z"), ("c", "z"), ("c", "x")}
    assert recomputable_cells(values, constraints, chain) == set()
    assert recomputable_cells(values, constraints, {("a", "x"), ("a", "y"), ("b", "x"), ("b", "z")}) != set()


# --- refusals ----------------------------------------------------------------------------------------


def test_extract_refuses_without_a_key_outside_demo_mode(published, tmp_path, monkeypatch):
    monkeypatch.delenv("LVV_DEMO", raising=False)
    monkeypatch.delenv("LVV_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingPseudonymKey):
        write_extract(published, PEILDATUM, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_extract_refuses_bad_input(published, tmp_path, demo_mode):
    busy = tmp_path / "vol"
    busy.mkdir()
    (busy / "iets").write_text("x")
    with pytest.raises(ExtractError, match="niet leeg"):
        write_extract(published, PEILDATUM, busy)
    with pytest.raises(ExtractError, match="nieuwste levering"):
        write_extract(published, date(2021, 3, 1), tmp_path / "a")
    with pytest.raises(ExtractError, match="geen enkel verblijf"):
        write_extract(published, date(2019, 1, 1), tmp_path / "b")
    pipeline = tmp_path / "lvv.duckdb"
    make_pipeline_db(pipeline, n_persons=20)
    with pytest.raises(ExtractError, match="geen gepubliceerd monitorbestand"):
        write_extract(pipeline, PEILDATUM, tmp_path / "c")
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir()), "no temporary folder left"
    assert {p.name for p in tmp_path.iterdir()} == {"vol", "lvv.duckdb"}


def test_command_line(published, tmp_path):
    out = tmp_path / "cli"
    run = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "extract", "--warehouse", str(published.parent),
         "--peildatum", "2020-08-01", "--out", str(out), "--demo"],
        capture_output=True, text=True, cwd=ROOT, env={k: v for k, v in os.environ.items()
                                                        if k not in ("LVV_DEMO", "LVV_PSEUDONYM_KEY")},
    )
    assert run.returncode == 0, run.stderr
    assert "DEMO" in run.stdout and (out / "manifest.json").exists()
    refused = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "extract", "--warehouse", str(published.parent),
         "--peildatum", "2020-08-01", "--out", str(tmp_path / "geen-sleutel")],
        capture_output=True, text=True, cwd=ROOT, env={k: v for k, v in os.environ.items()
                                                        if k not in ("LVV_DEMO", "LVV_PSEUDONYM_KEY")},
    )
    assert refused.returncode == 2 and "LVV_PSEUDONYM_KEY" in refused.stderr
    helptext = subprocess.run([sys.executable, "-m", "pipelines.cli", "extract", "--help"],
                              capture_output=True, text=True, cwd=ROOT).stdout
    for option in ("--warehouse", "--peildatum", "--out"):
        assert option in helptext


# --- the demo run --------------------------------------------------------------------------------------


@pytest.mark.parametrize("peildatum", [date(2020, 11, 1), date(2019, 10, 1)])
def test_extract_of_the_demo_run(demo_warehouse, tmp_path, peildatum):
    published_file = publish_warehouse(demo_warehouse.pipeline_db, tmp_path / "wh")
    out = tmp_path / "extract"
    manifest = write_extract(published_file, peildatum, out)
    frame = read(out, "verblijven")
    assert k_anonymity_violations(released_qi_keys(frame), 5).empty
    for table in ("instroom_per_kwartaal", "uitstroom_per_kwartaal"):
        visible = read(out, table)["aantal_verblijven"].dropna()
        assert (visible >= 10).all()
    monitor = read(out, "monitor_peildatum")
    totaal = monitor[monitor["gemeente"] == "totaal"].iloc[0]
    con = duckdb.connect(str(published_file), read_only=True)
    try:
        truth = con.execute(
            "SELECT * FROM marts.monitor_op(?, false) WHERE gemeente = 'totaal'", [peildatum]).fetchdf().iloc[0]
    finally:
        con.close()
    visible = [c for c in ("ooit_opgevangen", "aanwezig", "mob", "scenario_vertrek") if totaal[c] is not None]
    for column in visible:
        assert totaal[column] == truth[column]
    assert manifest.is_demo
    if peildatum == date(2020, 11, 1):
        assert totaal["ooit_opgevangen"] == 1310 and totaal["aanwezig"] == 771  # the letter's figures
