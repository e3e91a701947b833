"""A file that cannot be taken whole is rejected with its reason; the run goes on with the rest."""

from __future__ import annotations

import gzip
import os

import pytest

from pipelines.ingest import ingest_landing
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, deliveries, query, xlsx_bytes

GOOD = csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS)
HEADER_ONLY = csv_bytes(VERBLIJVEN_HEADER, [])

# (relative path, bytes, a phrase the recorded reason must contain)
REJECTED_FILES = [
    ("utrecht/verblijven_utrecht.csv", GOOD, "volgt het patroon"),
    ("utrecht/Utrecht_Verblijven_20201101.csv", GOOD, "alleen kleine letters"),
    ("utrecht/utrecht_procedures_20201101.csv", GOOD, "hoort niet bij bron 'utrecht'"),
    ("utrecht/rotterdam_verblijven_20201101.csv", GOOD, "hoort niet in map 'utrecht'"),
    ("utrecht/utrecht_verblijven_20201131.csv", GOOD, "geen bestaande datum"),
    ("utrecht/utrecht_verblijven_20201102.xls", GOOD, ".xls wordt niet geaccepteerd"),
    ("utrecht/utrecht_verblijven_20201103.xlsm", GOOD, ".xlsm wordt niet geaccepteerd"),
    ("utrecht/utrecht_verblijven_20201104.csv.gz", gzip.compress(GOOD), "gecomprimeerd"),
    ("utrecht/utrecht_verblijven_20201105.zip", b"PK\x03\x04rest", "gecomprimeerd"),
    ("utrecht/utrecht_verblijven_20201106.txt", GOOD, "formaat .txt"),
    ("utrecht/utrecht_verblijven_20201107.csv", GOOD.decode().encode("utf-16"), "UTF-16"),
    ("utrecht/utrecht_verblijven_20201108.csv", GOOD.replace(b"C002", b"C\x00002"), "NUL-bytes"),
    ("utrecht/utrecht_verblijven_20201109.csv", GOOD.replace(b",", b"\t"), "'tab'"),
    ("utrecht/utrecht_verblijven_20201110.csv", GOOD.replace(b",", b"|"), "'|'"),
    ("utrecht/utrecht_verblijven_20201111.csv", b"", "leeg bestand"),
    ("utrecht/utrecht_verblijven_20201112.csv", HEADER_ONLY, "geen gegevensrijen"),
    ("utrecht/utrecht_verblijven_20201113.csv", b"Export LVV Utrecht\r\n" + GOOD, "niet op rij 1 maar op rij 2"),
    ("utrecht/utrecht_verblijven_20201114.csv",
     csv_bytes(VERBLIJVEN_HEADER + ["Geslacht "], [r + ["M"] for r in VERBLIJVEN_ROWS]), "'geslacht' komt meer dan eens"),
    ("utrecht/utrecht_verblijven_20201115.csv",
     csv_bytes([h for h in VERBLIJVEN_HEADER if h not in ("instroomdatum", "regiobinding")],
               [[v for h, v in zip(VERBLIJVEN_HEADER, r) if h not in ("instroomdatum", "regiobinding")] for r in VERBLIJVEN_ROWS]),
     "verplichte kolom(men) ontbreken: instroomdatum, regiobinding"),
    ("utrecht/utrecht_verblijven_20201116.xlsx", b"PK\x03\x04 not really a workbook", "kan niet geopend worden"),
    ("utrecht/utrecht_verblijven_20201117.xlsx", GOOD, "geen Excel-werkmap"),
    ("utrecht/utrecht_verblijven_20201118.xlsx", xlsx_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, header_row=3), "kopregel moet in rij 1"),
    ("utrecht/utrecht_verblijven_20201119.csv", b"\x81\x8d\x8f\x90\x9d;x\r\n1;2\r\n", "geen UTF-8 en geen Windows-1252"),
]


@pytest.fixture(scope="module")
def rejected_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rejections")
    landing = tmp / "landing"
    for relative_path, data, _ in REJECTED_FILES:
        deliver(landing, relative_path, data)
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", GOOD)  # the run must still take this one
    db = tmp / "lvv.duckdb"
    ingest_landing(landing, db)
    return db


@pytest.mark.parametrize("relative_path,phrase", [(p, phrase) for p, _, phrase in REJECTED_FILES])
def test_file_is_rejected_whole_with_its_reason(rejected_run, relative_path, phrase):
    status, reason, rows_read, rows_loaded, rows_quarantined = deliveries(rejected_run)[relative_path]
    assert status == "rejected"
    assert phrase in reason
    assert (rows_read, rows_loaded, rows_quarantined) == (0, 0, 0)


def test_the_run_goes_on_with_the_good_file(rejected_run):
    assert deliveries(rejected_run)["utrecht/utrecht_verblijven_20201101.csv"][:2] == ("loaded", None)
    assert query(rejected_run, "SELECT count(*), count(DISTINCT source_file) FROM raw.gemeente_verblijven") == [(3, 1)]


def test_nothing_of_a_rejected_file_is_loaded(rejected_run):
    assert query(rejected_run, "SELECT count(*) FROM raw.quarantine") == [(0,)]
    assert query(rejected_run, "SELECT count(*) FROM raw.deliveries WHERE status = 'rejected'") == [(len(REJECTED_FILES),)]


def test_entries_that_are_not_deliveries_are_skipped_and_listed(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "LEESMIJ.txt", b"leveringen per bron")
    deliver(landing, "onbekend/onbekend_verblijven_20201101.csv", GOOD)
    deliver(landing, "utrecht/.verborgen.csv", GOOD)
    deliver(landing, "utrecht/~$utrecht_verblijven_20201101.xlsx", b"lock")
    deliver(landing, "utrecht/archief/utrecht_verblijven_20200101.csv", GOOD)
    target = deliver(landing, "elders/utrecht_verblijven_20200401.csv", GOOD)
    os.symlink(target, landing / "utrecht" / "utrecht_verblijven_20200401.csv")
    db = tmp_path / "lvv.duckdb"
    assert ingest_landing(landing, db) == []
    skipped = dict(query(db, "SELECT path, reason FROM raw.landing_scan WHERE kind = 'overgeslagen'"))
    assert set(skipped) == {
        "LEESMIJ.txt", "onbekend/", "elders/", "utrecht/.verborgen.csv",
        "utrecht/~$utrecht_verblijven_20201101.xlsx", "utrecht/archief/", "utrecht/utrecht_verblijven_20200401.csv",
    }
    assert "symbolische link" in skipped["utrecht/utrecht_verblijven_20200401.csv"]
    assert "Office-lockbestand" in skipped["utrecht/~$utrecht_verblijven_20201101.xlsx"]
    assert query(db, "SELECT count(*) FROM raw.deliveries") == [(0,)]
