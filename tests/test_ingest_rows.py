"""Row validation: every row read is loaded or quarantined with every reason it failed."""

from __future__ import annotations

import json
from datetime import date

from pipelines.ingest import ingest_landing
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, deliveries, query

PROC_HEADER = ["v_nummer", "geboortedatum", "geslacht", "nationaliteit", "procedure_id", "soort",
               "aanvraagdatum", "beslissing", "beslisdatum"]
DTV_HEADER = ["v_nummer", "geboortedatum", "geslacht", "nationaliteit", "zaak_id", "startdatum",
              "vertrekdatum", "vertrekwijze", "bestemming", "land"]


def _verblijf(**changes):
    row = dict(zip(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS[0]))
    row.update(changes)
    return [row[h] for h in VERBLIJVEN_HEADER]


def test_each_row_reason_is_recorded_and_rows_are_conserved(tmp_path):
    landing = tmp_path / "landing"
    rows = [
        _verblijf(verblijf_id="OK1"),
        _verblijf(verblijf_id="BAD1", geslacht="Q"),
        _verblijf(verblijf_id="BAD2", geboortedatum="31-02-1980", nationaliteit="ZZZ"),
        _verblijf(verblijf_id="BAD3", instroomdatum=None, regiobinding="misschien"),
        _verblijf(verblijf_id="BAD4", uitstroomdatum=date(2020, 1, 1), uitstroomreden=None),
        _verblijf(verblijf_id="BAD5", uitstroomreden="MOB"),
        _verblijf(verblijf_id="DUP", samenstelling="GEZIN"),
        _verblijf(verblijf_id="DUP"),
        _verblijf(verblijf_id="OK2", uitstroomdatum=date(2020, 5, 1), uitstroomreden="terugkeer"),
    ]
    data = csv_bytes(VERBLIJVEN_HEADER, rows, delimiter=";")
    data += b"C9;TOO;MANY;1980-01-01;M;ERI;ALLEENSTAAND;2019-04-01;NIEUW;ja;;;extra\r\n"
    deliver(landing, "amsterdam/amsterdam_verblijven_20201101.csv", data)
    db = tmp_path / "lvv.duckdb"
    [report] = ingest_landing(landing, db)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (10, 2, 8)
    assert deliveries(db)["amsterdam/amsterdam_verblijven_20201101.csv"] == ("loaded", None, 10, 2, 8)
    assert [r[0] for r in query(db, "SELECT verblijf_id FROM raw.gemeente_verblijven ORDER BY row_number")] == ["OK1", "OK2"]
    reasons = {row: rs for row, rs in query(db, "SELECT row_number, reasons FROM raw.quarantine")}
    assert reasons[3] == ['geslacht: "Q" is onbekende code voor geslacht']
    assert reasons[4] == [
        'geboortedatum: "31-02-1980" is geen geldige datum (JJJJ-MM-DD, D-M-JJJJ of DD/MM/JJJJ)',
        'nationaliteit: "ZZZ" is onbekende landcode (ISO 3166-1 alpha-3 of XXX)',
    ]
    assert reasons[5] == [
        "instroomdatum: verplicht veld is leeg",
        'regiobinding: "misschien" is geen geldige ja/nee-waarde (ja/nee, j/n, true/false, 1/0, yes/no)',
    ]
    assert reasons[6] == ["uitstroomreden: verplicht wanneer uitstroomdatum gevuld is"]
    assert reasons[7] == ["uitstroomdatum: ontbreekt terwijl uitstroomreden gevuld is"]
    assert reasons[8] == reasons[9] == ['verblijf_id: "DUP" komt 2 keer voor in dit bestand']
    assert reasons[11] == ["rij heeft 13 velden, de kopregel 12"]


def test_quarantine_keeps_the_raw_values_as_delivered(tmp_path):
    landing = tmp_path / "landing"
    rows = [_verblijf(verblijf_id="X", geslacht="onbekend")]
    deliver(landing, "eindhoven/eindhoven_verblijven_20201101.csv",
            csv_bytes(VERBLIJVEN_HEADER, rows, date_style="dd/mm/yyyy", header_style=str.upper))
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing, db)
    [(raw_values, file_name, bron)] = query(db, "SELECT raw_values, file_name, bron FROM raw.quarantine")
    values = json.loads(raw_values)
    assert values["geslacht"] == "onbekend"
    assert values["geboortedatum"] == "01/02/1980"
    assert (file_name, bron) == ("eindhoven_verblijven_20201101.csv", "eindhoven")


def test_national_rows_need_a_valid_v_nummer_and_consistent_decisions(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "ind/ind_procedures_20201101.csv", csv_bytes(PROC_HEADER, [
        ["1000000001", "1980-02-01", "M", "ERI", "P1", "ASIEL_EERSTE", "2015-01-01", "AFWIJZING", "2015-06-01"],
        ["12345", "1980-02-01", "M", "ERI", "P2", "REGULIER", "2016-01-01", "", ""],
        ["1000000001", "1980-02-01", "M", "ERI", "P3", "REGULIER", "2016-01-01", "INWILLIGING", ""],
        ["1000000001", "1980-02-01", "M", "ERI", "P4", "SPOED", "2016-01-01", "", "2016-02-01"],
    ]))
    deliver(landing, "dtv/dtv_vertrekzaken_20201101.csv", csv_bytes(DTV_HEADER, [
        ["1000000001", "1980-02-01", "M", "ERI", "Z1", "2019-01-01", "2020-03-10", "", "", ""],
        ["1000000001", "1980-02-01", "M", "ERI", "Z2", "2019-01-01", "2020-03-10", "GEDWONGEN", "", "ERI"],
        ["1000000001", "1980-02-01", "M", "ERI", "Z3", "2019-01-01", "", "", "", ""],
    ]))
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing, db)
    reasons = {(f, n): rs for f, n, rs in query(db, "SELECT bestand, row_number, reasons FROM raw.quarantine")}
    assert reasons == {
        ("procedures", 3): ['v_nummer: "12345" is geen geldig v-nummer (10 cijfers)'],
        ("procedures", 4): ["beslisdatum: verplicht wanneer beslissing gevuld is"],
        ("procedures", 5): ['soort: "SPOED" is onbekende code voor soort',
                            "beslissing: ontbreekt terwijl beslisdatum gevuld is"],
        ("vertrekzaken", 2): ["vertrekwijze: verplicht wanneer vertrekdatum gevuld is"],
        ("vertrekzaken", 3): ["bestemming: verplicht bij vertrekwijze ZELFSTANDIG_AANTOONBAAR of GEDWONGEN"],
    }
    assert query(db, "SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM raw.deliveries") == [(7, 2, 5)]


def test_blank_lines_are_not_rows(tmp_path):
    landing = tmp_path / "landing"
    data = csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, delimiter=";") + b";;;;;;;;;;;\r\n\r\n"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", data)
    db = tmp_path / "lvv.duckdb"
    [report] = ingest_landing(landing, db)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 3, 0)


def test_files_validated_together_are_judged_each_on_their_own(tmp_path, monkeypatch):
    """Deliveries of one type are validated in one statement per batch (pipelines/ingest/load.py);
    a key is a duplicate only within its own file, a row's width is compared with its own file's
    header, and delivery ids still follow the landing order, rejected files included."""
    from pipelines.ingest import load

    landing = tmp_path / "landing"
    same_key = [_verblijf(verblijf_id="S1")]
    deliver(landing, "amsterdam/amsterdam_verblijven_20200701.csv", csv_bytes(VERBLIJVEN_HEADER, same_key))
    deliver(landing, "amsterdam/amsterdam_verblijven_20201101.csv",
            csv_bytes(VERBLIJVEN_HEADER + ["opmerking"], [row + ["x"] for row in same_key + [_verblijf(verblijf_id="S2")]]))
    deliver(landing, "rotterdam/rotterdam_verblijven_20200701.csv", b"client_id;verblijf_id\r\nC1;S1\r\n")
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv",
            csv_bytes(VERBLIJVEN_HEADER, [_verblijf(verblijf_id="D"), _verblijf(verblijf_id="D")])
            + b"C9,W,1,1980-01-01,M,ERI,ALLEENSTAAND,2019-04-01,NIEUW,ja,,,te veel\r\n")

    def ingest(batch_rows: int, db):
        monkeypatch.setattr(load, "BATCH_ROWS", batch_rows)
        reports = ingest_landing(landing, db)
        return reports, query(db, "SELECT delivery_id, relative_path, status, rows_read, rows_loaded, rows_quarantined "
                                  "FROM raw.deliveries ORDER BY delivery_id")

    together, ledger_together = ingest(100_000, tmp_path / "together.duckdb")
    one_by_one, ledger_one_by_one = ingest(1, tmp_path / "one_by_one.duckdb")
    assert ledger_together == ledger_one_by_one
    assert [r.relative_path for r in together] == [r.relative_path for r in one_by_one]
    by_path = {path: (status, read, loaded, quarantined) for _, path, status, read, loaded, quarantined in ledger_together}
    assert by_path["amsterdam/amsterdam_verblijven_20200701.csv"] == ("loaded", 1, 1, 0)
    assert by_path["amsterdam/amsterdam_verblijven_20201101.csv"] == ("loaded", 2, 2, 0)  # S1 again: another file
    assert by_path["rotterdam/rotterdam_verblijven_20200701.csv"][0] == "rejected"
    assert by_path["utrecht/utrecht_verblijven_20201101.csv"] == ("loaded", 3, 0, 3)
    db = tmp_path / "together.duckdb"
    reasons = {row: rs for row, rs in query(db, "SELECT row_number, reasons FROM raw.quarantine")}
    assert reasons[2] == reasons[3] == ['verblijf_id: "D" komt 2 keer voor in dit bestand']
    assert reasons[4] == ["rij heeft 13 velden, de kopregel 12"]
    assert query(db, "SELECT count(*) FROM raw.extra_values WHERE column_name = 'opmerking'") == [(2,)]
