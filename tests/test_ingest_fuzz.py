"""Property-based proof that no landing folder can break the raw zone's promise (issue 11).

Hypothesis builds landing folders: two valid deliveries, plus hostile entries with random names
(any bytes Linux allows in a name), random bytes, and mutations of a valid delivery (truncated,
a byte flipped, a quote inserted, the delimiter changed, rows duplicated). The ingest runs on
each, and the test asserts:

- no exception escapes;
- every hostile entry is accounted for in `raw.landing_scan` and, when it is a delivery, in
  `raw.deliveries`: rejected with a non-empty reason, or loaded with
  rows_read = rows_loaded + rows_quarantined = the count of an independent oracle;
- the valid files give the same raw rows as without the hostile ones beside them.

The oracle below is a third implementation of the contract's CSV dialect (a plain character
state machine), independent of both the loader's parser and its record counter.

Examples are few so CI stays fast. To search longer, e.g. for an hour:
    LVV_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_ingest_fuzz.py -q
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.contract import BRONNEN, FILE_SPECS
from pipelines.ingest import ingest_landing
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, query

EXAMPLES = int(os.environ.get("LVV_FUZZ_EXAMPLES", "30"))

VALID = {
    "amsterdam/amsterdam_verblijven_20201101.csv": csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS),
    "rotterdam/rotterdam_verblijven_20201101.csv": csv_bytes(
        VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, delimiter=";", quote_all=True, encoding="cp1252"),
}
SEED_FILE = csv_bytes(VERBLIJVEN_HEADER + ["opmerking"], [r + ['zegt "ja", of niet'] for r in VERBLIJVEN_ROWS * 3])


def oracle_records(text: str, delimiter: str) -> list[list[str]] | None:
    """The records of `text` under the contract's dialect, or None when the quoting is malformed."""
    records: list[list[str]] = []
    field: list[str] = []
    fields: list[str] = []
    state = "start"  # start of a field | unquoted | quoted | closed (a quote seen inside a quoted field)
    i = 0
    while i < len(text):
        c = text[i]
        if state == "quoted":
            if c == '"':
                state = "closed"
            else:
                field.append(c)
            i += 1
            continue
        if state == "closed":
            if c == '"':
                field.append(c)
                state = "quoted"
                i += 1
                continue
            if c != delimiter and c not in "\r\n":
                return None  # text after a closing quote
        if c == '"':
            if state != "start":
                return None  # a quote in the middle of an unquoted field
            state = "quoted"
        elif c == delimiter:
            fields.append("".join(field))
            field, state = [], "start"
        elif c in "\r\n":
            fields.append("".join(field))
            records.append(fields)
            field, fields, state = [], [], "start"
            if c == "\r" and text[i + 1:i + 2] == "\n":
                i += 1
        else:
            field.append(c)
            state = "unquoted"
        i += 1
    if state == "quoted":
        return None  # a record that runs past the end of the file
    if field or fields or state == "closed":
        fields.append("".join(field))
        records.append(fields)
    return records


def oracle_rows_read(data: bytes) -> int | None:
    """Data records (not header, not blank) by the oracle, or None when the file must be rejected."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") and ";" in header else ","
    records = oracle_records(text, delimiter)
    if records is None:
        return None
    return sum(1 for r in records[1:] if "".join(r).strip())


# --- strategies -----------------------------------------------------------------------------

name_bytes = st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")).filter(
    lambda b: b not in (b".", b"..")
)
plausible_names = st.builds(
    lambda bron, bestand, day, ext: f"{bron}_{bestand}_202011{day:02d}.{ext}".encode(),
    st.sampled_from(BRONNEN), st.sampled_from(["verblijven", "trajecten", "procedures"]),
    st.integers(1, 31), st.sampled_from(["csv", "csv", "xlsx", "txt"]),
)


@st.composite
def mutated_delivery(draw) -> bytes:
    data = bytearray(SEED_FILE)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "quote", "delimiter", "duplicate"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "quote":
            data[at:at] = b'"'
        elif kind == "delimiter":
            data = bytearray(data.replace(b",", b";")) if draw(st.booleans()) else data[:at] + b";" + data[at + 1:]
        else:
            lines = bytes(data).split(b"\r\n")
            row = draw(st.integers(0, len(lines) - 1))
            lines[row:row] = [lines[row]] * draw(st.integers(1, 3))
            data = bytearray(b"\r\n".join(lines))
    return bytes(data)


contents = st.one_of(mutated_delivery(), st.binary(max_size=600), st.just(SEED_FILE))
hostile_entry = st.tuples(
    st.sampled_from([*BRONNEN, ""]),  # "" = the landing root
    st.one_of(plausible_names, name_bytes),
    contents,
)


@lru_cache(maxsize=1)
def baseline_rows() -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        landing, db = Path(tmp) / "landing", Path(tmp) / "lvv.duckdb"
        for rel, data in VALID.items():
            deliver(landing, rel, data)
        ingest_landing(landing, db)
        return tuple(valid_rows(db))


def valid_rows(db: Path) -> list[tuple]:
    return query(
        db,
        "SELECT source_file, row_number, client_id, verblijf_id, v_nummer, geboortedatum, instroomdatum, "
        "regiobinding, uitstroomdatum, uitstroomreden FROM raw.gemeente_verblijven WHERE source_file IN "
        "('amsterdam_verblijven_20201101.csv', 'rotterdam_verblijven_20201101.csv') ORDER BY ALL",
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_entry, min_size=1, max_size=4, unique_by=lambda e: (e[0], e[1])))
def test_no_landing_folder_breaks_the_raw_zone(entries):
    with tempfile.TemporaryDirectory() as tmp:
        landing, db = Path(tmp) / "landing", Path(tmp) / "lvv.duckdb"
        for rel, data in VALID.items():
            deliver(landing, rel, data)
        written: dict[bytes, bytes] = {}
        for folder, name, data in entries:
            rel = (folder.encode() + b"/" + name) if folder else name
            if rel.decode("utf-8", "replace") in VALID or rel in written:
                continue
            deliver(landing, rel, data)
            written[rel] = data

        ingest_landing(landing, db)  # must not raise, whatever the folder holds

        scanned = {p.rstrip("/") for (p,) in query(db, "SELECT path FROM raw.landing_scan")}
        delivered = {r[0]: r[1:] for r in query(
            db, "SELECT relative_path, status, reason, rows_read, rows_loaded, rows_quarantined, delivery_id "
                "FROM raw.deliveries")}
        for rel, data in written.items():
            shown = rel.decode("utf-8", "backslashreplace")
            assert shown in scanned, f"{shown!r} is not accounted for in the landing scan"
            if shown not in delivered:
                continue  # skipped (hidden, root, unknown folder): listed with its reason above
            status, reason, rows_read, rows_loaded, rows_quarantined, delivery_id = delivered[shown]
            if status == "rejected":
                assert reason and reason.strip(), f"{shown!r} rejected without a reason"
                continue
            assert status == "loaded", (shown, status)
            assert rows_read == rows_loaded + rows_quarantined
            in_table = query(db, f"SELECT count(*) FROM raw.{table_of(shown)} WHERE delivery_id = ?", [delivery_id])[0][0]
            in_quarantine = query(db, "SELECT count(*) FROM raw.quarantine WHERE delivery_id = ?", [delivery_id])[0][0]
            assert (in_table, in_quarantine) == (rows_loaded, rows_quarantined)
            if shown.endswith(".csv"):
                assert rows_read == oracle_rows_read(data), f"{shown!r}: rows_read differs from the oracle"
        assert tuple(valid_rows(db)) == baseline_rows()


def table_of(relative_path: str) -> str:
    bestand = relative_path.split("/", 1)[1].split("_")[1]
    return FILE_SPECS[bestand].raw_table


def test_the_oracle_reads_the_dialect_as_documented():
    assert oracle_rows_read(b'a,b\r\n1,"x\r\ny"\r\n\r\n2,3') == 2
    assert oracle_rows_read(b'a,b\n1,"x""y"\n') == 1
    assert oracle_rows_read(b'a,b\n1,"open\n2,3\n') is None
    assert oracle_rows_read(b'a,b\n1,x"y\n') is None
    assert oracle_rows_read(b'a,b\n1,"x"y\n') is None
