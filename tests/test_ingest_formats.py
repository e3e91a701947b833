"""Every format variant of FEEDS.md loads to the same canonical rows."""

from __future__ import annotations

import pytest

from pipelines.ingest import ingest_landing
from tests.feeds import (
    EXPECTED_CANONICAL,
    VERBLIJVEN_HEADER,
    VERBLIJVEN_ROWS,
    csv_bytes,
    deliver,
    query,
    xlsx_bytes,
)

VALUE_COLUMNS = ", ".join(VERBLIJVEN_HEADER)

VARIANTS = {
    "utf8-comma-plain-iso": dict(delimiter=",", date_style="iso", boolean_style="true/false"),
    "utf8-bom-semicolon-quoted": dict(delimiter=";", bom=True, quote_all=True, date_style="dd-mm-yyyy", boolean_style="ja/nee"),
    "cp1252-semicolon-short-dates": dict(delimiter=";", encoding="cp1252", date_style="d-m-yyyy", boolean_style="j/n"),
    "utf8-slash-dates-lower-codes": dict(delimiter=",", date_style="dd/mm/yyyy", boolean_style="1/0", lower_codes=True),
    "yes-no-and-shouting-headers": dict(delimiter=";", boolean_style="yes/no", header_style=lambda h: f"  {h.upper()} "),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_csv_variant_loads_to_the_same_rows(tmp_path, variant):
    landing = tmp_path / "landing"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv",
            csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, **VARIANTS[variant]))
    db = tmp_path / "lvv.duckdb"
    reports = ingest_landing(landing, db)
    assert [(r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) for r in reports] == [("loaded", 3, 3, 0)]
    rows = query(db, f"SELECT {VALUE_COLUMNS} FROM raw.gemeente_verblijven ORDER BY row_number")
    assert rows == EXPECTED_CANONICAL


def test_xlsx_with_real_date_cells_loads_to_the_same_rows(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "rotterdam/rotterdam_verblijven_20201101.xlsx", xlsx_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    db = tmp_path / "lvv.duckdb"
    reports = ingest_landing(landing, db)
    assert [(r.status, r.rows_loaded) for r in reports] == [("loaded", 3)]
    assert query(db, f"SELECT {VALUE_COLUMNS} FROM raw.gemeente_verblijven ORDER BY row_number") == EXPECTED_CANONICAL


def test_windows_1252_text_is_decoded_and_extra_columns_are_kept_aside(tmp_path):
    landing = tmp_path / "landing"
    header = VERBLIJVEN_HEADER + ["opmerking"]
    rows = [row + [note] for row, note in zip(VERBLIJVEN_ROWS, ["café", "€ 10 reiskosten", ""])]
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", csv_bytes(header, rows, delimiter=";", encoding="cp1252"))
    db = tmp_path / "lvv.duckdb"
    [report] = ingest_landing(landing, db)
    assert report.extra_columns == ["opmerking"]
    assert query(db, "SELECT encoding, delimiter, extra_columns FROM raw.deliveries") == [("windows-1252", ";", ["opmerking"])]
    assert query(db, "SELECT row_number, column_name, value FROM raw.extra_values ORDER BY row_number") == [
        (2, "opmerking", "café"), (3, "opmerking", "€ 10 reiskosten"),
    ]


def test_every_row_carries_its_lineage(tmp_path):
    landing = tmp_path / "landing"
    data = csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS)
    deliver(landing, "groningen/groningen_verblijven_20200701.csv", data)
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing, db)
    import hashlib

    rows = query(db, """
        SELECT DISTINCT source_file, source_sha256, bron, bestand, strftime(peildatum, '%Y-%m-%d'),
               received_at IS NOT NULL, loaded_at >= received_at
        FROM raw.gemeente_verblijven""")
    assert rows == [("groningen_verblijven_20200701.csv", hashlib.sha256(data).hexdigest(), "groningen",
                     "verblijven", "2020-07-01", True, True)]
    assert [r[0] for r in query(db, "SELECT row_number FROM raw.gemeente_verblijven ORDER BY 1")] == [2, 3, 4]


def test_national_files_load(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "ind/ind_procedures_20201101.csv", csv_bytes(
        ["v_nummer", "geboortedatum", "geslacht", "nationaliteit", "procedure_id", "soort", "aanvraagdatum", "beslissing", "beslisdatum"],
        [["1000000001", "1-2-1980", "M", "ERI", "P1", "asiel_eerste", "2015-01-01", "afwijzing", "2015-06-01"],
         ["1000000001", "1-2-1980", "M", "ERI", "P2", "ASIEL_HERHAALD", "2020-02-01", "", ""]]))
    deliver(landing, "ind/ind_maatregelen_20201101.xlsx", xlsx_bytes(
        ["v_nummer", "maatregel", "ingangsdatum", "einddatum"], [["1000000002", "DUBLINCLAIM", __import__("datetime").date(2019, 1, 1), None]]))
    deliver(landing, "dtv/dtv_vertrekzaken_20201101.csv", csv_bytes(
        ["v_nummer", "geboortedatum", "geslacht", "nationaliteit", "zaak_id", "startdatum", "vertrekdatum", "vertrekwijze", "bestemming", "land"],
        [["1000000001", "1980-02-01", "M", "ERI", "Z1", "2019-01-01", "2020-03-10", "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "eri"],
         ["1000000001", "1980-02-01", "M", "ERI", "Z2", "2018-01-01", "2018-05-01", "ZELFSTANDIG_NIET_AANTOONBAAR", "", ""]], delimiter=";"))
    db = tmp_path / "lvv.duckdb"
    reports = ingest_landing(landing, db)
    assert sorted((r.relative_path, r.status, r.rows_loaded) for r in reports) == [
        ("dtv/dtv_vertrekzaken_20201101.csv", "loaded", 2),
        ("ind/ind_maatregelen_20201101.xlsx", "loaded", 1),
        ("ind/ind_procedures_20201101.csv", "loaded", 2),
    ]
    assert query(db, "SELECT procedure_id, soort, beslissing, beslisdatum FROM raw.ind_procedures ORDER BY 1") == [
        ("P1", "ASIEL_EERSTE", "AFWIJZING", "2015-06-01"), ("P2", "ASIEL_HERHAALD", None, None)]
    assert query(db, "SELECT maatregel, ingangsdatum, einddatum FROM raw.ind_maatregelen") == [("DUBLINCLAIM", "2019-01-01", None)]
    assert query(db, "SELECT zaak_id, land, bestemming FROM raw.dtv_vertrekzaken ORDER BY 1") == [
        ("Z1", "ERI", "HERKOMSTLAND"), ("Z2", None, None)]
