"""No file can stop the night or lose rows (issue 11): each fault stays with its own file.

Real files in a real landing folder, ingested into a real DuckDB raw zone. Every hostile file
here sits beside valid deliveries, and the test checks both: the hostile one is rejected or
skipped with a reason, the valid ones are loaded exactly as without it.
"""

from __future__ import annotations

import io
import os
import pathlib

import pytest

from pipelines.ingest import ingest_landing
from pipelines.ingest import load as load_module
from pipelines.ingest.records import MalformedCsv, count_csv_records
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, deliveries, query, xlsx_bytes

HEADER = VERBLIJVEN_HEADER + ["opmerking"]


def stays(count: int) -> list[list[object]]:
    """`count` valid stays with an `opmerking` (an extra column the contract keeps aside)."""
    rows = []
    for i in range(count):
        base = list(VERBLIJVEN_ROWS[i % 3])
        base[0], base[1] = f"C{i:04d}", f"V{i:04d}"
        rows.append(base + [f"opmerking {i}, met komma"])
    return rows


GOOD_83 = csv_bytes(HEADER, stays(83))
VALID_FILES = {
    "amsterdam/amsterdam_verblijven_20201101.csv": csv_bytes(HEADER, stays(10)),
    "rotterdam/rotterdam_verblijven_20201101.csv": csv_bytes(HEADER, stays(7), delimiter=";"),
}


def unclosed_quote_file() -> bytes:
    """83 data rows; row 26 (record 26: header is 1) opens a quote in `opmerking` that never closes."""
    lines = GOOD_83.split(b"\r\n")
    assert lines[25].endswith(b"opmerking 24, met komma\"")
    lines[25] = lines[25].replace(b'"opmerking 24, met komma"', b'"opmerking 24 zonder einde')
    return b"\r\n".join(lines)


def landing_with(tmp_path, hostile: dict[bytes | str, bytes]):
    landing = tmp_path / "landing"
    for rel, data in VALID_FILES.items():
        deliver(landing, rel, data)
    for rel, data in hostile.items():
        deliver(landing, rel, data)
    return landing


def raw_rows_of_valid_files(db) -> list[tuple]:
    return query(
        db,
        "SELECT source_file, row_number, client_id, verblijf_id, instroomdatum FROM raw.gemeente_verblijven "
        "WHERE source_file IN ('amsterdam_verblijven_20201101.csv', 'rotterdam_verblijven_20201101.csv') "
        "ORDER BY ALL",
    )


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The valid files alone: what every hostile landing below must still give."""
    tmp = tmp_path_factory.mktemp("baseline")
    db = tmp / "lvv.duckdb"
    ingest_landing(landing_with(tmp, {}), db)
    rows = raw_rows_of_valid_files(db)
    assert len(rows) == 17
    return rows


def assert_valid_files_unharmed(db, baseline) -> None:
    found = deliveries(db)
    for rel in VALID_FILES:
        assert found[rel][0] == "loaded", found[rel]
    assert raw_rows_of_valid_files(db) == baseline


def test_a_name_that_is_not_utf8_is_rejected_with_its_bytes_escaped(tmp_path, baseline):
    db = tmp_path / "lvv.duckdb"
    landing = landing_with(tmp_path, {b"eindhoven/eindhoven_verblijven_20200903_cli\xebnt.csv": GOOD_83})
    reports = ingest_landing(landing, db)

    found = deliveries(db)
    rel = "eindhoven/eindhoven_verblijven_20200903_cli\\xebnt.csv"
    status, reason, rows_read, *_ = found[rel]
    assert status == "rejected" and rows_read == 0
    assert "geen geldige UTF-8" in reason and "gebruik gewone namen" in reason and "\\xeb" in reason
    assert (rel, "levering") in [(p, k) for p, k, _ in query(db, "SELECT * FROM raw.landing_scan")]
    assert any(r.relative_path == rel and r.status == "rejected" for r in reports)
    assert_valid_files_unharmed(db, baseline)


def test_undecodable_names_of_folders_are_listed_as_skipped(tmp_path, baseline):
    db = tmp_path / "lvv.duckdb"
    landing = landing_with(tmp_path, {
        b"gr\xf6ningen/groningen_verblijven_20201101.csv": GOOD_83,  # unknown folder in the root
        b"utrecht/sub\xff/utrecht_verblijven_20201101.csv": GOOD_83,  # subfolder in a bron folder
    })
    ingest_landing(landing, db)
    skipped = dict(query(db, "SELECT path, reason FROM raw.landing_scan WHERE kind = 'overgeslagen'"))
    assert "onbekende map" in skipped["gr\\xf6ningen/"]
    assert "submap" in skipped["utrecht/sub\\xff/"]
    assert_valid_files_unharmed(db, baseline)


def test_an_unclosed_quote_rejects_the_file_whole_naming_the_row(tmp_path, baseline):
    db = tmp_path / "lvv.duckdb"
    landing = landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": unclosed_quote_file()})
    ingest_landing(landing, db)

    status, reason, rows_read, rows_loaded, rows_quarantined = deliveries(db)["utrecht/utrecht_verblijven_20201101.csv"]
    assert (status, rows_read, rows_loaded, rows_quarantined) == ("rejected", 0, 0, 0)
    assert "aanhalingsteken geopend in rij 26 (regel 26) wordt niet gesloten" in reason
    assert query(db, "SELECT count(*) FROM raw.gemeente_verblijven WHERE bron = 'utrecht'") == [(0,)]
    assert query(db, "SELECT count(*) FROM raw.quarantine WHERE bron = 'utrecht'") == [(0,)]
    assert_valid_files_unharmed(db, baseline)


@pytest.mark.parametrize(
    ("mutation", "phrase"),
    [
        (lambda b: b.replace(b"C0005,", b'C00"05,', 1), 'midden in een veld zonder aanhalingstekens in rij 7'),
        (lambda b: b.replace(b'"opmerking 5, met komma"', b'"opmerking 5, met" komma', 1), "na het sluitende aanhalingsteken van een veld in rij 7"),
        (lambda b: b[: b.index(b'"opmerking 80')] + b'"opmerking 80, afgebroken', "rij 82 (regel 82) wordt nooit gesloten"),
    ],
    ids=["quote-inside-unquoted-field", "text-after-closing-quote", "record-runs-past-end-of-file"],
)
def test_malformed_quoting_is_rejected_whole(tmp_path, baseline, mutation, phrase):
    db = tmp_path / "lvv.duckdb"
    landing = landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": mutation(GOOD_83)})
    ingest_landing(landing, db)
    status, reason, rows_read, *_ = deliveries(db)["utrecht/utrecht_verblijven_20201101.csv"]
    assert status == "rejected" and rows_read == 0
    assert phrase in reason
    assert query(db, "SELECT count(*) FROM raw.gemeente_verblijven WHERE bron = 'utrecht'") == [(0,)]
    assert_valid_files_unharmed(db, baseline)


def test_quoted_fields_with_delimiters_quotes_and_line_breaks_are_loaded(tmp_path, baseline):
    """The contract's quoting, used fully, is accepted: 3 records, one spanning three lines."""
    rows = stays(3)
    rows[1][-1] = 'regel een\r\nregel "twee"; met scheidingsteken\nregel drie'
    data = csv_bytes(HEADER, rows, delimiter=";")
    assert count_csv_records(data, ";").records == 4
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": data}), db)
    assert deliveries(db)["utrecht/utrecht_verblijven_20201101.csv"][:5] == ("loaded", None, 3, 3, 0)
    kept = query(db, "SELECT value FROM raw.extra_values WHERE column_name = 'opmerking' AND row_number = 3 "
                 "AND file_name = 'utrecht_verblijven_20201101.csv'")
    assert kept == [('regel een\r\nregel "twee"; met scheidingsteken\nregel drie',)]
    assert_valid_files_unharmed(db, baseline)


def test_an_unforeseen_error_while_reading_rejects_that_file_only(tmp_path, baseline, monkeypatch):
    real = load_module.read_delivery

    def exploding(data: bytes, file_format: str):
        if b"C0042" in data:
            raise KeyError("niemand voorzag dit")
        return real(data, file_format)

    monkeypatch.setattr(load_module, "read_delivery", exploding)
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": GOOD_83}), db)
    status, reason, *_ = deliveries(db)["utrecht/utrecht_verblijven_20201101.csv"]
    assert status == "rejected"
    assert "onverwachte fout bij het lezen" in reason and "KeyError" in reason
    assert_valid_files_unharmed(db, baseline)


def test_an_unforeseen_error_while_loading_a_batch_rejects_only_the_culprit(tmp_path, baseline, monkeypatch):
    """The three files of one file type form one batch; one of them breaks its writing."""
    real = load_module._incoming_table

    def exploding(spec, index, header, read):
        if any(values[0] == "C0042" for _, values in read.records):
            raise ValueError("kapotte batch")
        return real(spec, index, header, read)

    monkeypatch.setattr(load_module, "_incoming_table", exploding)
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": GOOD_83}), db)
    status, reason, *_ = deliveries(db)["utrecht/utrecht_verblijven_20201101.csv"]
    assert status == "rejected" and "onverwachte fout bij het laden" in reason and "kapotte batch" in reason
    assert_valid_files_unharmed(db, baseline)


def test_a_file_over_the_size_limit_is_rejected_unread(tmp_path, baseline, monkeypatch):
    monkeypatch.setenv("LVV_MAX_DELIVERY_BYTES", str(len(GOOD_83) - 1))
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": GOOD_83}), db)
    status, reason, *_ = deliveries(db)["utrecht/utrecht_verblijven_20201101.csv"]
    assert status == "rejected" and "LVV_MAX_DELIVERY_BYTES" in reason
    assert_valid_files_unharmed(db, baseline)


def test_a_named_pipe_and_a_dangling_link_are_skipped_without_blocking(tmp_path, baseline):
    landing = landing_with(tmp_path, {})
    (landing / "utrecht").mkdir()
    os.mkfifo(landing / "utrecht" / "utrecht_verblijven_20201101.csv")  # reading it would block forever
    (landing / "utrecht" / "utrecht_verblijven_20201102.csv").symlink_to(tmp_path / "does-not-exist")
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing, db)
    skipped = dict(query(db, "SELECT path, reason FROM raw.landing_scan WHERE kind = 'overgeslagen'"))
    assert skipped["utrecht/utrecht_verblijven_20201101.csv"] == "geen gewoon bestand"
    assert "symbolische link" in skipped["utrecht/utrecht_verblijven_20201102.csv"]
    assert_valid_files_unharmed(db, baseline)


def test_a_file_that_can_not_be_read_is_rejected(tmp_path, baseline, monkeypatch):
    """Permissions can not be tested as root (root reads everything), so the read itself fails."""
    real = pathlib.Path.read_bytes
    target = "utrecht_verblijven_20201101.csv"

    def denied(self):
        if self.name == target:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", denied)
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing_with(tmp_path, {f"utrecht/{target}": GOOD_83}), db)
    status, reason, *_ = deliveries(db)[f"utrecht/{target}"]
    assert status == "rejected" and "kan niet gelezen worden" in reason and "leesrechten" in reason
    assert_valid_files_unharmed(db, baseline)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder; permissions can not be denied")
def test_an_unreadable_bron_folder_is_listed_as_skipped(tmp_path, baseline):
    landing = landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.csv": GOOD_83})
    (landing / "utrecht").chmod(0)
    try:
        db = tmp_path / "lvv.duckdb"
        ingest_landing(landing, db)
    finally:
        (landing / "utrecht").chmod(0o755)
    skipped = dict(query(db, "SELECT path, reason FROM raw.landing_scan WHERE kind = 'overgeslagen'"))
    assert "bronmap kan niet gelezen worden" in skipped["utrecht/"]
    assert_valid_files_unharmed(db, baseline)


def test_the_record_counter_agrees_with_a_correct_parser_on_the_contract_dialect():
    cases = {
        b"a,b\n1,2\n": 2, b"a,b\r\n1,2": 2, b'a,b\n"x\ny",2\n': 2, b'a,b\n"x""y",2\n\n': 3,
        b"a,b\r1,2\r": 2, b'a,b\n"",""\n': 2, b'\xef\xbb\xbf"a","b"\n1,2\n': 2,
    }
    for data, records in cases.items():
        assert count_csv_records(data, ",").records == records, data
    with pytest.raises(MalformedCsv, match="rij 2 \\(regel 2\\)"):
        count_csv_records(b'a,b\n"open,2\n3,4\n', ",")


def test_an_excel_error_value_rejects_the_workbook_naming_the_cell(tmp_path, baseline):
    """calamine reads `#N/A` as an empty cell: the value would silently become 'unknown'."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS)))
    book.active["K3"] = "#N/A"  # openpyxl writes this as an error cell (t="e")
    buffer = io.BytesIO()
    book.save(buffer)
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.xlsx": buffer.getvalue()}), db)
    status, reason, *_ = deliveries(db)["utrecht/utrecht_verblijven_20201101.xlsx"]
    assert status == "rejected" and "cel K3 bevat de Excel-foutwaarde #N/A" in reason
    assert_valid_files_unharmed(db, baseline)


def test_a_workbook_reader_that_drops_a_row_is_caught_by_the_independent_count(tmp_path, baseline, monkeypatch):
    from pipelines.ingest import readers

    real = readers.read_xlsx

    def dropping(data: bytes):
        result = real(data)
        result.records = result.records[:-1]
        return result

    monkeypatch.setattr(readers, "read_xlsx", dropping)
    db = tmp_path / "lvv.duckdb"
    data = xlsx_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS)
    ingest_landing(landing_with(tmp_path, {"utrecht/utrecht_verblijven_20201101.xlsx": data}), db)
    status, reason, *_ = deliveries(db)["utrecht/utrecht_verblijven_20201101.xlsx"]
    assert status == "rejected"
    assert "de Excel-lezer vond 3 niet-lege rijen (kopregel meegeteld), maar het eerste werkblad bevat er 4" in reason
    assert_valid_files_unharmed(db, baseline)
