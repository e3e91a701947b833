"""The columnar CSV fast path (pipelines/ingest/fast_csv.py) gives exactly the reference reader's rows.

Compared at two levels, on real files: the reader (header, every record with its row number,
blank rows, encoding, delimiter, the same rejection reason), and the whole raw zone after
`ingest_landing` with the fast path on and off (rows, quarantine reasons, extra values, ledger).
"""

from __future__ import annotations

import logging
import sys
from datetime import date

import pytest

from pipelines.ingest import fast_csv, ingest_landing
from pipelines.ingest.readers import RejectedFile, read_csv, read_delivery
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, query
from tests.test_ingest_formats import VARIANTS
from tests.test_ingest_rejections import REJECTED_FILES

FAST_LOG = "lvv_monitor.ingest"


def _stay(**changes) -> list[object]:
    row = dict(zip(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS[0]))
    row.update(changes)
    return [row[h] for h in VERBLIJVEN_HEADER]


QUARANTINE_ROWS = [
    _stay(verblijf_id="OK1"),
    _stay(verblijf_id="BAD1", geslacht="Q"),
    _stay(verblijf_id="BAD2", geboortedatum="31-02-1980", nationaliteit="ZZZ"),
    _stay(verblijf_id="BAD3", instroomdatum=None, regiobinding="misschien"),
    _stay(verblijf_id="BAD4", uitstroomdatum=date(2020, 1, 1), uitstroomreden=None),
    _stay(verblijf_id="BAD5", uitstroomreden="MOB"),
    _stay(verblijf_id="DUP", samenstelling="GEZIN"),
    _stay(verblijf_id="DUP"),
    _stay(verblijf_id="OK2", uitstroomdatum=date(2020, 5, 1), uitstroomreden="terugkeer"),
]
HEADER_EXTRA = VERBLIJVEN_HEADER + ["opmerking"]
GOOD = csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS)

# Files the fast path must take itself, each with an oddity of the contract's dialect.
FAST_CASES = {
    **{f"variant-{name}": csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, **kw) for name, kw in VARIANTS.items()},
    "every-reason": csv_bytes(VERBLIJVEN_HEADER, QUARANTINE_ROWS, delimiter=";"),
    "blank-lines-between-and-after": (
        csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS[:1], delimiter=";") + b"\r\n;;;;;;;;;;;\r\n"
        + csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS[1:], delimiter=";").split(b"\r\n", 1)[1] + b";;;;;;;;;;;\r\n\r\n"
    ),
    "whitespace-only-rows-python-notion": GOOD + " , ,\t,\u00a0,\u2003,\x1c,,,,,,\r\n".encode() + b"\n\n",
    "quoted-line-breaks-delimiters-quotes": csv_bytes(
        HEADER_EXTRA, [r + [note] for r, note in zip(VERBLIJVEN_ROWS, ['een\r\ntwee "drie", vier\nvijf', "", '""'])],
        delimiter=","),
    "lone-cr-and-lf-mixed": GOOD.replace(b"\r\n", b"\r", 2).replace(b"\r\n", b"\n"),
    "no-final-line-break": GOOD.rstrip(b"\r\n"),
    "cp1252-extra-column": csv_bytes(
        HEADER_EXTRA, [r + [n] for r, n in zip(VERBLIJVEN_ROWS, ["café", "€ 10", "  "])], delimiter=";", encoding="cp1252"),
    "bom-quoted-padded-header": csv_bytes(
        VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, delimiter=";", bom=True, quote_all=True, header_style=lambda h: f" {h.upper()}  "),
    "values-with-spaces-kept": csv_bytes(VERBLIJVEN_HEADER, [_stay(geslacht=" m ", herkomst="nieuw ")]),
    "empty-header-field-and-duplicate": csv_bytes(VERBLIJVEN_HEADER + ["", "Geslacht "], [r + ["", "M"] for r in VERBLIJVEN_ROWS]),
    "header-only": csv_bytes(VERBLIJVEN_HEADER, []),
    "misplaced-header": b"Export LVV Utrecht,,,,,,,,,,,\r\n" + GOOD,
}

# Records of another width than the header: the fast path takes them (numbered by a second,
# single-threaded parse); the validation quarantines them with their width.
RAGGED_CASES = {
    "row-too-wide": csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, delimiter=";")
    + b"C9;TOO;MANY;1980-01-01;M;ERI;ALLEENSTAAND;2019-04-01;NIEUW;ja;;;extra\r\n",
    "row-too-short-and-quoted-break-before": csv_bytes(
        HEADER_EXTRA, [r + [n] for r, n in zip(VERBLIJVEN_ROWS, ["a\nb", "c\r\nd", ""])]) + b'C9,"V\n9"\r\n\r\nC10\r\n',
    "whitespace-line-of-one-field": GOOD + b"   \r\n\x1c\r\n",
    "many-ragged-rows": GOOD + b"".join(b"C%d,V%d,,1980-01-01\r\n" % (i, i) for i in range(50)) + GOOD.split(b"\r\n", 1)[1],
}
FAST_CASES.update(RAGGED_CASES)

SMALL_BLOCK = 256  # pyarrow can not parse a record larger than its block: it fails, the reference reads on
# Files the fast path hands to the reference reader (which then reads, quarantines or rejects).
DECLINED_CASES = {
    "record-larger-than-the-parse-block": csv_bytes(HEADER_EXTRA, [VERBLIJVEN_ROWS[0] + ["lang\n" * 120]]),
    "field-over-the-csv-module-limit": csv_bytes(HEADER_EXTRA, [VERBLIJVEN_ROWS[0] + ["x" * 200_000]]),
}


@pytest.fixture
def small_block(monkeypatch):
    monkeypatch.setattr(fast_csv, "BLOCK_BYTES", SMALL_BLOCK)


def _outcome(reader, data: bytes):
    """What a reader makes of the bytes: its rows and facts, or the rejection reason."""
    try:
        result = reader(data)
    except RejectedFile as exc:
        return ("rejected", str(exc))
    return ("read", result.header, list(result.records), result.encoding, result.delimiter,
            result.blank_rows, result.physical_records)


def test_the_whitespace_list_is_pythons():
    assert fast_csv.PYTHON_WHITESPACE == tuple(c for c in range(sys.maxunicode + 1) if chr(c).isspace())


@pytest.mark.parametrize("case", sorted(FAST_CASES))
def test_fast_path_takes_the_file_and_agrees_with_the_reference(case):
    data = FAST_CASES[case]
    fast = fast_csv.read_csv_fast(data)
    assert isinstance(fast, fast_csv.ColumnarReadResult), fast
    assert _outcome(fast_csv.read_csv_fast, data) == _outcome(read_csv, data)


@pytest.mark.parametrize("relative_path,data", [(p, d) for p, d, _ in REJECTED_FILES if p.endswith(".csv") and d])
def test_files_the_raw_zone_rejects_read_the_same_with_the_fast_path(relative_path, data):
    """The reader's part of each rejection (the rest is load.py's header check, run on either result)."""
    assert _outcome(lambda d: read_delivery(d, "csv"), data) == _outcome(read_csv, data)


@pytest.mark.parametrize("case", sorted(DECLINED_CASES))
def test_what_the_fast_path_can_not_promise_goes_to_the_reference(case, small_block):
    data = DECLINED_CASES[case]
    declined = fast_csv.read_csv_fast(data)
    assert isinstance(declined, fast_csv.Declined) and declined.reason
    outcome = _outcome(lambda d: read_delivery(d, "csv"), data)
    assert outcome == _outcome(read_csv, data)
    if outcome[0] == "read":  # the reference may reject it whole instead (the field size limit)
        taken = read_delivery(data, "csv")
        assert taken.fast_path_declined == declined.reason and not fast_csv.is_columnar(taken)


def test_a_declined_file_is_named_in_the_log_with_its_reason(tmp_path, caplog, small_block):
    landing = tmp_path / "landing"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", DECLINED_CASES["record-larger-than-the-parse-block"])
    deliver(landing, "amsterdam/amsterdam_verblijven_20201101.csv", RAGGED_CASES["row-too-wide"])
    with caplog.at_level(logging.INFO, logger=FAST_LOG):
        reports = ingest_landing(landing, tmp_path / "lvv.duckdb")
    [line] = [r.getMessage() for r in caplog.records if r.name == FAST_LOG]
    assert line.startswith("utrecht/utrecht_verblijven_20201101.csv: gelezen door de referentielezer (csv-module), "
                           "want pyarrow kan het bestand niet lezen (ArrowInvalid: ")
    by_path = {r.relative_path: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in reports}
    assert by_path == {"utrecht/utrecht_verblijven_20201101.csv": (1, 1, 0),
                       "amsterdam/amsterdam_verblijven_20201101.csv": (4, 3, 1)}


def test_the_switch_sends_every_file_to_the_reference(monkeypatch):
    monkeypatch.setenv(fast_csv.SWITCH, "0")
    taken = read_delivery(GOOD, "csv")
    assert not fast_csv.is_columnar(taken) and "LVV_CSV_FAST_PATH=0" in taken.fast_path_declined


RAW_TABLES = {  # every table of the raw zone, without the run's clock
    "gemeente_verblijven": "* EXCLUDE (received_at, loaded_at)",
    "gemeente_trajecten": "* EXCLUDE (received_at, loaded_at)",
    "ind_procedures": "* EXCLUDE (received_at, loaded_at)",
    "ind_maatregelen": "* EXCLUDE (received_at, loaded_at)",
    "dtv_vertrekzaken": "* EXCLUDE (received_at, loaded_at)",
    "quarantine": "*",
    "extra_values": "*",
    "deliveries": "* EXCLUDE (received_at, loaded_at)",
}


def _raw_zone(db) -> dict[str, list[tuple]]:
    return {table: query(db, f"SELECT {columns} FROM raw.{table} ORDER BY ALL") for table, columns in RAW_TABLES.items()}


def _ingest_both_ways(landing, tmp_path, monkeypatch, caplog):
    """The raw zone with the fast path on and off, and the fast path's log lines."""
    with caplog.at_level(logging.INFO, logger=FAST_LOG):
        ingest_landing(landing, tmp_path / "fast.duckdb")
    declined = [r.getMessage() for r in caplog.records if r.name == FAST_LOG]
    monkeypatch.setenv(fast_csv.SWITCH, "0")
    ingest_landing(landing, tmp_path / "reference.duckdb")
    return _raw_zone(tmp_path / "fast.duckdb"), _raw_zone(tmp_path / "reference.duckdb"), declined


def test_the_demo_landing_gives_the_same_raw_zone_both_ways(tmp_path, monkeypatch, caplog, demo_env):
    """Every format variant of the demo (LAYOUTS in pipelines/demo/feeds.py), all taken by the fast path."""
    from pipelines.demo import write_demo_feeds

    landing = tmp_path / "landing"
    write_demo_feeds(landing)
    fast, reference, declined = _ingest_both_ways(landing, tmp_path, monkeypatch, caplog)
    assert declined == []
    assert fast == reference
    assert fast["quarantine"] and fast["extra_values"] and len(fast["deliveries"]) > 50
    conserved = query(tmp_path / "fast.duckdb",
                      "SELECT count(*) FILTER (rows_read <> rows_loaded + rows_quarantined), "
                      "count(*) FILTER (status = 'loaded') FROM raw.deliveries")
    assert conserved[0][0] == 0 and conserved[0][1] > 50


def test_the_odd_cases_give_the_same_raw_zone_both_ways(tmp_path, monkeypatch, caplog, small_block):
    """Each case of this file as its own delivery (with a small parse block, so the block case declines)."""
    landing = tmp_path / "landing"
    cases = sorted(FAST_CASES.items()) + sorted(DECLINED_CASES.items())
    for day, (_, data) in enumerate(cases, start=1):
        deliver(landing, f"utrecht/utrecht_verblijven_2019{(day - 1) // 28 + 1:02d}{(day - 1) % 28 + 1:02d}.csv", data)
    fast, reference, declined = _ingest_both_ways(landing, tmp_path, monkeypatch, caplog)
    assert fast == reference
    # The declined files the reference reads are named in the log; the one it rejects whole (the
    # field size limit) is named by its rejection in the ledger, like any rejected file.
    assert len(declined) == len(DECLINED_CASES) - 1
    assert any("field larger than field limit" in (reason or "") for *_, reason, _e in fast["deliveries"])
    statuses = {status for *_, status, _reason, _extra in fast["deliveries"]}
    assert statuses == {"loaded", "rejected"}
    assert all(read == loaded + quarantined for *_, read, loaded, quarantined, _s, _r, _e in fast["deliveries"])
