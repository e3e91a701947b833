"""Same bytes again change nothing; same name with other bytes is a correction, both kept."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest import ingest_landing
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, query

TABLES = ["deliveries", "quarantine", "extra_values", "landing_scan", "gemeente_verblijven",
          "gemeente_trajecten", "ind_procedures", "ind_maatregelen", "dtv_vertrekzaken"]


def dump(db: Path) -> dict[str, list[tuple]]:
    return {t: query(db, f"SELECT * FROM raw.{t} ORDER BY ALL") for t in TABLES}


def test_running_twice_on_the_same_landing_changes_nothing(tmp_path):
    landing = tmp_path / "landing"
    bad_row = [["C9", "V9", "", "1980-01-01", "Q", "ERI", "ALLEENSTAAND", "2019-04-01", "NIEUW", "ja", "", ""]]
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv",
            csv_bytes(VERBLIJVEN_HEADER + ["opmerking"], [r + ["x"] for r in VERBLIJVEN_ROWS + bad_row]))
    deliver(landing, "utrecht/utrecht_verblijven_20201199.csv", b"rejected by name")
    deliver(landing, "LEESMIJ.txt", b"skipped")
    db = tmp_path / "lvv.duckdb"
    first = ingest_landing(landing, db)
    before = dump(db)
    second = ingest_landing(landing, db)
    assert [r.status for r in first] == ["rejected", "loaded"]
    assert [r.status for r in second] == ["unchanged", "unchanged"]
    assert dump(db) == before
    assert len(before["gemeente_verblijven"]) == 3 and len(before["quarantine"]) == 1


def test_a_correction_keeps_both_deliveries(tmp_path):
    landing = tmp_path / "landing"
    path = "rotterdam/rotterdam_verblijven_20201101.csv"
    deliver(landing, path, csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    db = tmp_path / "lvv.duckdb"
    ingest_landing(landing, db)
    corrected = [list(r) for r in VERBLIJVEN_ROWS]
    corrected[1][11] = "DOORMIGRATIE"
    deliver(landing, path, csv_bytes(VERBLIJVEN_HEADER, corrected))
    [report] = ingest_landing(landing, db)
    assert report.status == "loaded" and report.delivery_id == 2
    history = query(db, "SELECT delivery_id, relative_path, received_at <= (SELECT max(received_at) FROM raw.deliveries) "
                        "FROM raw.deliveries ORDER BY delivery_id")
    assert history == [(1, path, True), (2, path, True)]
    reasons = query(db, "SELECT delivery_id, uitstroomreden FROM raw.gemeente_verblijven WHERE verblijf_id = 'V002' ORDER BY 1")
    assert reasons == [(1, "TERUGKEER"), (2, "DOORMIGRATIE")]
    # Sending the original bytes again is a redelivery of something already received: no change.
    deliver(landing, path, csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    assert [r.status for r in ingest_landing(landing, db)] == ["unchanged"]
    assert query(db, "SELECT count(*) FROM raw.deliveries") == [(2,)]
