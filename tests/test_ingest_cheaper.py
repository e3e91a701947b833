"""The cheaper ingest steps of issue 12 (ingest2) give exactly what the steps they replace gave.

- the record count of a file without quotes (`records._count_unquoted_records`) against the
  byte rules written out in plain Python, at chunk sizes that put every boundary everywhere;
- the CSV preamble of a plain-ASCII file (judged by `bytes.isascii()`, first lines decoded only)
  against the whole-file decoding it replaced, rejections and their reasons included;
- the validation statement, which trims each value once in its `delivered` step, against the
  canonical expressions that trim inline, on values with spaces, empties and NULL columns.
"""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from pipelines.contract import FILE_SPECS, load_code_lists
from pipelines.ingest import records
from pipelines.ingest.readers import (
    RejectedFile,
    _first_lines,
    check_csv_preamble,
    decode_csv_bytes,
    detect_delimiter,
)
from pipelines.ingest.records import MalformedCsv, count_csv_records
from pipelines.ingest.validate import canonical_expression, validation_sql

BOM = b"\xef\xbb\xbf"


def _records_by_the_rules(data: bytes) -> int:
    """Records of a quote-free file, byte by byte: LF ends one, CR ends one unless LF follows."""
    body = data[len(BOM):] if data.startswith(BOM) else data
    if not body:
        return 0
    ends = 0
    for i, byte in enumerate(body):
        if byte == 0x0A or (byte == 0x0D and body[i + 1:i + 2] != b"\n"):
            ends += 1
    return ends + (0 if body[-1:] in (b"\n", b"\r") else 1)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, records.CHUNK_BYTES])
def test_unquoted_count_follows_the_byte_rules_across_chunk_boundaries(monkeypatch, chunk):
    monkeypatch.setattr(records, "CHUNK_BYTES", chunk)
    rng = random.Random(chunk)
    alphabet = [b"a", b",", b";", b"\r", b"\n", b"\r\n", b" ", b"\xe9"]
    for _ in range(3000):
        data = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        if rng.random() < 0.3:
            data = BOM + data
        counted = count_csv_records(data, rng.choice(",;"))
        assert counted.records == _records_by_the_rules(data), data
        assert counted.quoted_fields is False


def test_a_quote_still_takes_the_checked_count():
    with pytest.raises(MalformedCsv):
        count_csv_records(b'a,b\n1,2"x\n', ",")
    assert count_csv_records(b'a,b\n"1\n2",3\n', ",").records == 2


def _preamble_by_whole_decoding(data: bytes):
    """What `check_csv_preamble` returned before: the whole file decoded first."""
    text, encoding = decode_csv_bytes(data)
    first = _first_lines(text, 10)
    if not first[0].strip():
        raise RejectedFile("de eerste regel is leeg: de kopregel moet op regel 1 staan")
    delimiter = detect_delimiter(first)
    try:
        counted = count_csv_records(data, delimiter)
    except MalformedCsv as exc:
        raise RejectedFile(str(exc)) from exc
    return text, encoding, delimiter, counted


def _outcome(make):
    try:
        return make()
    except RejectedFile as exc:
        return ("rejected", str(exc))


def test_ascii_preamble_equals_whole_file_decoding():
    rng = random.Random(4)
    alphabet = ["a", "b", ",", ";", "\t", "|", " ", "\r", "\n", "\r\n", '"', "\x00", "1"]
    cases = [b"", b"\n", b"PK\x03\x04a;b\n", b"a;b\x00\n1;2\n", b"\n\na;b\n", b"a\tb\n1\t2\n"]
    cases += [("a;b\n" * 12 + "1;2").encode(), ("x\n" * 11 + "a;b\n").encode()]
    for _ in range(4000):
        cases.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))).encode())
    for data in cases:
        assert data.isascii()

        def new(data=data):
            p = check_csv_preamble(data)
            return p.text, p.encoding, p.delimiter, p.counted

        assert _outcome(new) == _outcome(lambda data=data: _preamble_by_whole_decoding(data)), data


def test_non_ascii_preamble_keeps_its_decoded_text():
    data = "naam;plaats\nJosé;Malmö\n".encode("cp1252")
    preamble = check_csv_preamble(data)
    assert (preamble.encoding, preamble.text) == ("windows-1252", "naam;plaats\nJosé;Malmö\n")
    assert check_csv_preamble(BOM + "a;b\né;1\n".encode()).text == "a;b\né;1\n"


def test_validation_trims_once_and_gives_the_inline_canonical_values():
    spec = FILE_SPECS["procedures"]
    codes = load_code_lists()
    values = ["", " ", "  2020-11-01 ", "1-11-2020", " 01/11/2020", "2020-02-30", " m ", "V", "nld ", "XXX",
              " 0123456789", "12345", "ja", None]
    rng = random.Random(9)
    rows = 400
    table = {
        "_delivery": pa.array([i % 2 for i in range(rows)], pa.int32()),
        "_row_number": pa.array(range(2, rows + 2), pa.int32()),
        "_field_count": pa.array([len(spec.column_names)] * rows, pa.int32()),
        "_header_width": pa.array([len(spec.column_names)] * rows, pa.int32()),
    }
    for name in spec.column_names:
        if name == "beslisdatum":  # an optional column the delivery lacks: all NULL
            table[name] = pa.nulls(rows, pa.string())
        else:
            table[name] = pa.array([rng.choice(values) for _ in range(rows)], pa.string())
    con = duckdb.connect()
    con.register("incoming", pa.table(table))
    sql = validation_sql(spec, codes, source="incoming")
    assert sql.count("trim(") == len(spec.columns)  # once per column, in the delivered step
    inline = ", ".join(f'{canonical_expression(c, codes)} AS "{c.name}"' for c in spec.columns)
    names = ", ".join(f'"{c}"' for c in spec.column_names)
    checked = f"SELECT _delivery, _row_number, {names} FROM ({sql})"
    reference = f"SELECT _delivery, _row_number, {inline} FROM incoming"
    for a, b in ((checked, reference), (reference, checked)):
        assert con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()[0] == 0
    reasons = dict(con.execute(f"SELECT _row_number, reasons FROM ({sql})").fetchall())
    assert len(reasons) == rows and any(reasons.values())
