"""Columnar fast path for CSV deliveries: the same rows as `readers.read_csv`, read by pyarrow.

Why: at scale 100 the reference reader (Python's csv module, then one Python list per row and
a transpose into Arrow) costs seconds per large file and about 1 GB of Python objects; the
rows end up in Arrow anyway. Here the file is parsed by pyarrow's CSV reader straight into
Arrow string columns, and load.py takes those columns as they are.

The contract's dialect is enforced before parsing, by exactly the steps of the reference reader
(`readers.check_csv_preamble`: decoding, delimiter, `count_csv_records`): a file that breaks them is
rejected with the same reason. What remains is plain RFC 4180 (quotes only around whole fields,
`""` inside), which pyarrow parses as Python's csv module does: LF, CRLF and lone CR end a
record, an empty line is a record of empty fields, quoted fields keep line breaks.

The fast path declines a file (returns a reason; the reference reader then takes it) when it
can not promise the reference's result:

- a record with another number of fields than the header (the reference quarantines the row
  with its width; pyarrow's reader can only skip such a record, which would lose its position);
- a field larger than the csv module's field size limit (the reference rejects the file);
- pyarrow failing on the file in any way, or finding another number of records than the bytes
  hold (`count_csv_records`).

Row numbers: with every record of header width and empty lines kept as records, the n-th
record of the parse (header = 1) is record n of the file, blank ones included; that is checked
against the independent count before any row is given out.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.ingest.readers import UTF8_BOM, CsvPreamble, ReadResult, check_csv_preamble

logger = logging.getLogger("lvv_monitor.ingest")
SWITCH = "LVV_CSV_FAST_PATH"
BLOCK_BYTES = 8 << 20  # pyarrow parse block; a quoted record larger than this makes the fast path decline
ITER_BATCH = 65_536  # rows converted to Python at a time when a caller iterates the records


# Exactly the characters Python's `str.isspace()` accepts (Python 3.11, Unicode 14): the reference
# reader calls a row blank when `"".join(values).strip()` is empty, and Arrow's own whitespace
# notion differs (e.g. U+001C..U+001F). A test checks this list against `str.isspace()`.
PYTHON_WHITESPACE = (
    0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002,
    0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
)
WHITESPACE = "".join(chr(c) for c in PYTHON_WHITESPACE)


def _is_blank(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per value: only whitespace, as `str.strip()` sees it (empty included); one array, not chunks."""
    blank = pc.equal(pc.utf8_trim(column, characters=WHITESPACE), "")
    return blank.combine_chunks() if isinstance(blank, pa.ChunkedArray) else blank


class ArrowRecords(Sequence[tuple[int, list[str]]]):
    """`ReadResult.records` over Arrow columns: (row_number, values) without a Python list per row.

    Length and slices are cheap; iterating converts in batches, so code written for the
    reference reader's list still works (at Python speed) where no columnar hook exists.
    """

    def __init__(
        self, table: pa.Table, numbers: pa.Array, field_counts: pa.Array | None = None,
        originals: dict[int, list[str]] | None = None,
    ) -> None:
        self.table = table  # data rows only (no header, no blank rows), one string column per header field
        self.numbers = numbers  # int32: the record number of each row in the file (header = 1)
        self.field_counts = field_counts  # int32 fields per row; None: every row has the header's width
        self.originals = originals or {}  # values as delivered of the rows of another width

    def __len__(self) -> int:
        return self.table.num_rows

    @overload
    def __getitem__(self, index: int) -> tuple[int, list[str]]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, list[str]]]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._rows(start, max(stop - start, 0))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._rows(index, 1)[0]

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        for start in range(0, len(self), ITER_BATCH):
            yield from self._rows(start, ITER_BATCH)

    def _rows(self, start: int, length: int) -> list[tuple[int, list[str]]]:
        part = self.table.slice(start, length)
        columns = [part.column(i).to_pylist() for i in range(part.num_columns)]
        numbers = self.numbers.slice(start, length).to_pylist()
        return [(n, self._values(n, values)) for n, values in zip(numbers, zip(*columns))]

    def _values(self, number: int, values: tuple[str, ...]) -> list[str]:
        original = self.originals.get(number)
        return list(original) if original is not None else list(values)

    def by_number(self, wanted: Sequence[int]) -> dict[int, list[str]]:
        """Values of the rows with these record numbers (the quarantined ones), without touching the rest."""
        if not wanted:
            return {}
        positions = pc.indices_nonzero(pc.is_in(self.numbers, value_set=pa.array(sorted(set(wanted)), pa.int32())))
        picked = self.table.take(positions)
        columns = [picked.column(i).to_pylist() for i in range(picked.num_columns)]
        numbers = self.numbers.take(positions).to_pylist()
        return {n: self._values(n, values) for n, values in zip(numbers, zip(*columns))}


@dataclass
class ColumnarReadResult(ReadResult):
    """A `ReadResult` whose records live in Arrow columns (`records` is an `ArrowRecords`)."""

    reader: str = field(default="pyarrow")


@dataclass(frozen=True)
class Declined:
    """The fast path can not promise the reference reader's result for this file; why, in words."""

    reason: str


def read_csv_fast(data: bytes) -> ColumnarReadResult | Declined:
    """Read a CSV delivery as `readers.read_csv` would, or say why the reference must take it.

    Raises `RejectedFile` exactly where the reference reader does before parsing (encoding,
    delimiter, empty first line, quoting rules), with the same reasons.
    """
    preamble = check_csv_preamble(data)
    encoding, delimiter, counted = preamble.encoding, preamble.delimiter, preamble.counted
    utf8 = _utf8_bytes(data, preamble, encoding)
    del preamble  # its text, if it was decoded, is a second copy of the file
    width = _header_width(utf8, delimiter)
    parsed = _parse(utf8, delimiter, width, newlines_in_values=counted.quoted_fields)
    if isinstance(parsed, Declined):
        return parsed
    found = parsed.table.num_rows + len(parsed.ragged)
    if found != counted.records:
        return Declined(f"de kolomlezer vond {found} records, de bytes tellen er {counted.records}")
    ragged = _ragged_values(parsed.ragged, delimiter)
    if isinstance(ragged, Declined):
        return ragged
    too_long = max(_longest_field(parsed.table), max((len(v) for _, vs in ragged for v in vs), default=0))
    if too_long > csv.field_size_limit():
        return Declined(f"een veld is {too_long} bytes, groter dan de veldgrens van de CSV-lezer")
    numbers = _record_numbers(counted.records, [n for n, _ in ragged])
    if numbers[0] != 1:
        return Declined("de kopregel heeft een ander aantal velden dan de kolomlezer verwachtte")
    header = [str(v).strip() for v in parsed.table.slice(0, 1).to_pylist()[0].values()]
    body, numbers = parsed.table.slice(1), pa.array(numbers[1:])
    blank = _blank_rows(body)
    blank_count = 0
    if blank is not None:
        keep = pc.invert(blank)
        blank_count = body.num_rows - pc.sum(pc.cast(keep, pa.int64())).as_py()
        body, numbers = body.filter(keep), numbers.filter(keep)
    kept_ragged = [(n, values) for n, values in ragged if "".join(values).strip()]
    blank_count += len(ragged) - len(kept_ragged)
    records = ArrowRecords(body, numbers) if not kept_ragged else _with_ragged(body, numbers, kept_ragged, width)
    return ColumnarReadResult(
        header, records, encoding=encoding, delimiter=delimiter,
        blank_rows=blank_count, physical_records=counted.records,
    )


def _record_numbers(records: int, ragged_numbers: list[int]) -> np.ndarray:
    """Record numbers (header = 1) of the records pyarrow returned: all of them but the ragged ones."""
    numbers = np.arange(1, records + 1, dtype=np.int32)
    if not ragged_numbers:
        return numbers
    keep = np.ones(records, dtype=bool)
    keep[np.asarray(ragged_numbers, dtype=np.int64) - 1] = False
    return numbers[keep]


def _ragged_values(ragged: list[tuple[int, str]], delimiter: str) -> list[tuple[int, list[str]]] | Declined:
    """The fields of each record of another width, parsed from its text by the csv module itself."""
    out = []
    for number, text in ragged:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False))
        if len(rows) > 1:
            return Declined(f"record {number} met een afwijkend aantal velden is niet als één record te lezen")
        out.append((number, rows[0] if rows else []))
    return out


def _with_ragged(body: pa.Table, numbers: pa.Array, ragged: list[tuple[int, list[str]]], width: int) -> ArrowRecords:
    """Records of header width and the ragged ones together, in file order.

    In the columns a ragged row is squared to the header's width (as load.py does for the
    reference reader); its true width goes to `field_counts` (the validation quarantines it with
    that width) and its values as delivered stay in `originals` (for the quarantine's raw values).
    """
    squared = [(values + [""] * width)[:width] for _, values in ragged]
    by_position = list(zip(*squared))
    extra = pa.table({name: pa.array(by_position[i], pa.string()) for i, name in enumerate(body.column_names)})
    table = pa.concat_tables([body, extra])
    all_numbers = pa.concat_arrays([numbers, pa.array([n for n, _ in ragged], pa.int32())])
    counts = pa.concat_arrays([
        pa.repeat(pa.scalar(width, pa.int32()), body.num_rows), pa.array([len(v) for _, v in ragged], pa.int32()),
    ])
    order = pc.sort_indices(all_numbers)
    return ArrowRecords(
        table.take(order), all_numbers.take(order), field_counts=counts.take(order),
        originals={n: values for n, values in ragged},
    )


def _utf8_bytes(data: bytes, preamble: CsvPreamble, encoding: str) -> bytes:
    """The delivery as UTF-8 without BOM: pyarrow parses UTF-8; Windows-1252 is transcoded once.

    Only that transcoding needs the decoded text: a UTF-8 file is parsed from its bytes.
    """
    if encoding == "utf-8":
        return data
    if encoding == "utf-8-sig":
        return data[len(UTF8_BOM):]
    return preamble.text.encode("utf-8")


def _header_width(utf8: bytes, delimiter: str) -> int:
    """Fields in the header record, parsed by the csv module (a header may hold quoted line breaks)."""
    head = utf8[: 1 << 20].decode("utf-8", errors="replace")
    return len(next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter, quotechar='"', strict=False)))


@dataclass
class _Parsed:
    table: pa.Table  # the records of header width, header first, in file order
    ragged: list[tuple[int, str]]  # (record number, text) of the records of another width


def _parse(utf8: bytes, delimiter: str, width: int, newlines_in_values: bool) -> _Parsed | Declined:
    """Every record (header and blank ones included) as a row of `width` string columns.

    The first parse uses threads and stops at a record of another width; only then the file is
    parsed again single-threaded, because only then does pyarrow number the records it skips
    (the number is the record number, header = 1, blank records counted).
    """
    met: list[pacsv.InvalidRow] = []  # a handler can not raise through pyarrow: it records and says "error"

    def stop(row: pacsv.InvalidRow) -> str:
        met.append(row)
        return "error"

    try:
        return _Parsed(_read_arrow(utf8, delimiter, width, newlines_in_values, stop, threads=True), [])
    except (pa.ArrowException, ValueError) as exc:
        if not met:
            return Declined(f"pyarrow kan het bestand niet lezen ({type(exc).__name__}: {exc})")
    ragged: list[tuple[int, str]] = []
    unnumbered: list[pacsv.InvalidRow] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        if row.number is None:
            unnumbered.append(row)
            return "error"
        ragged.append((row.number, row.text))
        return "skip"

    try:
        table = _read_arrow(utf8, delimiter, width, newlines_in_values, keep_aside, threads=False)
    except (pa.ArrowException, ValueError) as exc:
        if unnumbered:
            return Declined("pyarrow gaf het nummer van een record met een afwijkend aantal velden niet")
        return Declined(f"pyarrow kan het bestand niet lezen ({type(exc).__name__}: {exc})")
    return _Parsed(table, ragged)


def _read_arrow(utf8: bytes, delimiter: str, width: int, newlines_in_values: bool, on_invalid_row, threads: bool) -> pa.Table:
    """pyarrow's CSV reader set to the contract's dialect: every field a string, nothing made NULL."""
    names = [f"f{i}" for i in range(width)]
    return pacsv.read_csv(
        pa.py_buffer(utf8),
        read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES, use_threads=threads),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
            newlines_in_values=newlines_in_values, ignore_empty_lines=False,
            invalid_row_handler=on_invalid_row,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=False,
        ),
    )


def _longest_field(table: pa.Table) -> int:
    """Longest value in bytes (a bound on its characters, which the csv module limits)."""
    longest = 0
    for column in table.columns:
        top = pc.max(pc.binary_length(column)).as_py()
        longest = max(longest, top or 0)
    return longest


def _blank_rows(body: pa.Table) -> pa.Array | None:
    """Mask of rows whose fields hold only whitespace (Python's notion), or None when there are none.

    The first column rules most rows out; the others are checked only where it is blank.
    """
    if body.num_rows == 0:
        return None
    mask = _is_blank(body.column(0))
    if not pc.any(mask).as_py():
        return None
    for i in range(1, body.num_columns):
        mask = pc.and_(mask, _is_blank(body.column(i)))
    return mask


# --- What load.py needs from a columnar read (each used by a one-line hook there) -----------------


def is_columnar(read: ReadResult) -> bool:
    return isinstance(read, ColumnarReadResult) and isinstance(read.records, ArrowRecords)


def incoming_table(column_names: Sequence[str], delivery: int, header: list[str], read: ColumnarReadResult) -> pa.Table:
    """`load._incoming_table` for a columnar read: the parsed columns as they are, no Python per row.

    Rows of another width are squared to the header's already; their true width is in
    `field_counts`, so the validation gives them the same reason as for the reference reader.
    """
    records: ArrowRecords = read.records  # type: ignore[assignment]
    rows, width = len(records), len(header)
    position = {name: i for i, name in enumerate(header)}
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "_delivery": pa.repeat(pa.scalar(delivery, pa.int32()), rows),
        "_row_number": records.numbers,
        "_field_count": records.field_counts if records.field_counts is not None else pa.repeat(pa.scalar(width, pa.int32()), rows),
        "_header_width": pa.repeat(pa.scalar(width, pa.int32()), rows),
    }
    for name in column_names:
        i = position.get(name)
        columns[name] = pa.nulls(rows, pa.string()) if i is None else records.table.column(i)
    return pa.table(columns)


def rows_by_number(read: ReadResult, wanted: Sequence[int]) -> dict[int, list[str]]:
    """Values per record number of the rows in `wanted`, for either kind of read."""
    if is_columnar(read):
        return read.records.by_number(wanted)  # type: ignore[union-attr]
    return dict(read.records)


def extra_value_rows(read: ReadResult, header: list[str], name: str) -> list[tuple[int, str]]:
    """(row_number, value) of the non-blank values of extra column `name`, for either kind of read."""
    i = header.index(name)
    if not is_columnar(read):
        return [(n, values[i]) for n, values in read.records if i < len(values) and values[i].strip()]
    records: ArrowRecords = read.records  # type: ignore[assignment]
    column = records.table.column(i)
    filled = pc.invert(_is_blank(column))
    return list(zip(records.numbers.filter(filled).to_pylist(), column.filter(filled).to_pylist()))


def fast_path_enabled() -> bool:
    """`LVV_CSV_FAST_PATH=0` sends every CSV file to the reference reader (to compare, or to rule the fast path out)."""
    return os.environ.get(SWITCH, "1") != "0"


def read_csv_preferring_fast(data: bytes) -> ReadResult:
    """The columnar reader, or the reference reader when the fast path declines (the reason kept)."""
    from pipelines.ingest.readers import read_csv

    fast = read_csv_fast(data) if fast_path_enabled() else Declined(f"{SWITCH}=0 (snelle lezer uitgezet)")
    if isinstance(fast, ColumnarReadResult):
        return fast
    result = read_csv(data)
    result.fast_path_declined = fast.reason  # type: ignore[attr-defined]
    return result


def log_reader(relative_path: str, read: ReadResult | None) -> None:
    """Say in the run log which reader took a CSV file, and why the fast one did not."""
    reason = getattr(read, "fast_path_declined", None)
    if reason:
        logger.info("%s: gelezen door de referentielezer (csv-module), want %s", relative_path, reason)
