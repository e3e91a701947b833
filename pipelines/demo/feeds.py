"""Write the demo population as deliveries in a landing folder (FEEDS.md).

Why one module of ~470 lines (issue 14): it is one step of the generator, population → files,
read top to bottom: the layouts of the sources, how a value is spelled in a layout, the two
sinks (CSV and a byte-stable XLSX writer) and the loop that writes every replica, correction and
deliberately invalid row through them. Layouts, formatter and sinks are used by nothing else,
and a layout means nothing without the sink that writes it. The one seam, the XLSX writer
(`_XlsxSink` to `_stable_zip`, ~110 lines), could move to a module of its own if it grows.

Every source has its own messy-but-valid layout (`LAYOUTS`): encoding, delimiter, quoting,
date and boolean spelling, header spelling, column order, CSV or XLSX. Every file is written
under a hidden temporary name and renamed when complete, so a pipeline scanning the folder
meanwhile never reads half a file. Output is byte-identical for the same seed and scale (XLSX
timestamps are fixed).
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from . import calibration as cal
from .model import InvalidRow, Population
from .population import DEFAULT_SEED, iter_replicas
from .snapshots import FILE_KEYS, apply_correction, columns_for, corrections_by_key, file_name, snapshot_records

DATE_COLUMNS = frozenset({"geboortedatum", "instroomdatum", "uitstroomdatum", "datum", "aanvraagdatum", "beslisdatum",
                          "ingangsdatum", "einddatum", "startdatum", "vertrekdatum"})
BOOLEAN_COLUMNS = frozenset({"regiobinding"})
CODE_COLUMNS = frozenset({"geslacht", "nationaliteit", "samenstelling", "herkomst", "uitstroomreden", "gebeurtenis",
                          "soort", "beslissing", "maatregel", "vertrekwijze", "bestemming", "land"})

DATE_FORMATS: dict[str, Callable[[date], str]] = {
    "iso": date.isoformat,
    "dd-mm-yyyy": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
    "d-m-yyyy": lambda d: f"{d.day}-{d.month}-{d.year}",
    "dd/mm/yyyy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
}

# XLSX: fixed timestamps so the bytes only depend on seed and scale.
XLSX_TIMESTAMP = datetime(2021, 2, 1, 6, 0, 0)
ZIP_DATE_TIME = (2021, 2, 1, 6, 0, 0)

EINDHOVEN_HEADERS = {
    "client_id": "Client_Id", "verblijf_id": "Verblijf_ID", "v_nummer": "V_Nummer", "geboortedatum": "GeboorteDatum",
    "geslacht": "Geslacht", "nationaliteit": "NATIONALITEIT", "samenstelling": "Samenstelling",
    "instroomdatum": "InstroomDatum", "herkomst": "herkomst", "regiobinding": "RegioBinding",
    "uitstroomdatum": "UitstroomDatum", "uitstroomreden": "UitstroomReden", "datum": "Datum", "gebeurtenis": "GebeurTenis",
}


@dataclass(frozen=True)
class Layout:
    """How one source spells one file."""

    fmt: str = "csv"  # csv | xlsx
    encoding: str = "utf-8"
    delimiter: str = ","
    quoting: int = csv.QUOTE_MINIMAL
    lineterminator: str = "\n"
    dates: str = "iso"
    booleans: tuple[str, str] = ("true", "false")
    lower_codes: bool = False
    headers: dict[str, str] | None = None
    header_case: str = "lower"  # lower | upper-padded
    first_columns: tuple[str, ...] = ()  # moved to the front
    sheet: str = "Blad1"
    notes: tuple[str, ...] = ()  # XLSX: a second worksheet, its title and lines

    def header(self, column: str) -> str:
        if self.headers is not None:
            return self.headers.get(column, column)
        return f" {column.upper()} " if self.header_case == "upper-padded" else column

    def order(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        return self.first_columns + tuple(c for c in columns if c not in self.first_columns)


_AMSTERDAM = Layout(encoding="utf-8-sig", delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n",
                    dates="dd-mm-yyyy", booleans=("ja", "nee"), header_case="upper-padded")
_UTRECHT = Layout(encoding="cp1252", delimiter=";", lineterminator="\r\n", dates="d-m-yyyy", booleans=("J", "N"))
_GRONINGEN = Layout(lower_codes=True)
_EINDHOVEN = Layout(delimiter=";", dates="dd/mm/yyyy", booleans=("1", "0"), headers=EINDHOVEN_HEADERS)

LAYOUTS: dict[tuple[str, str], Layout] = {
    ("amsterdam", "verblijven"): _AMSTERDAM,
    ("amsterdam", "trajecten"): _AMSTERDAM,
    ("rotterdam", "verblijven"): Layout(fmt="xlsx", booleans=("Ja", "Nee"), sheet="Verblijven", notes=(
        "Toelichting", "Export uit het cliëntvolgsysteem van de LVV Rotterdam (synthetische demodata).",
        "Het eerste werkblad bevat de levering; dit werkblad is geen data.")),
    ("rotterdam", "trajecten"): Layout(),
    ("utrecht", "verblijven"): _UTRECHT,
    ("utrecht", "trajecten"): _UTRECHT,
    ("groningen", "verblijven"): Layout(lower_codes=True, first_columns=("verblijf_id",)),
    ("groningen", "trajecten"): _GRONINGEN,
    ("eindhoven", "verblijven"): _EINDHOVEN,
    ("eindhoven", "trajecten"): _EINDHOVEN,
    ("ind", "procedures"): Layout(),
    ("ind", "maatregelen"): Layout(fmt="xlsx", sheet="Maatregelen"),
    ("dtv", "vertrekzaken"): Layout(delimiter=";"),
}
REJECTED_FILE = ("eindhoven", "trajecten", "20200231")  # peildatum 31 February: not a real date
REJECTED_CONTENT_DATE = date(2020, 2, 29)  # what that file holds: the events up to then


class _Spelling(dict):
    """canonical value -> delivered text, computed on first use (None -> empty)."""

    def __init__(self, spell: Callable[[object], str]) -> None:
        super().__init__({None: ""})
        self.spell = spell

    def __missing__(self, value):
        text = self[value] = self.spell(value)
        return text


def _converter(layout: Layout, column: str) -> dict | None:
    """How one column's canonical values are delivered: a mapping, or None for 'as is'."""
    if column in BOOLEAN_COLUMNS:
        yes, no = layout.booleans
        return {True: yes, False: no, None: None if layout.fmt == "xlsx" else ""}
    if layout.fmt == "xlsx":
        return None  # dates stay dates (real Excel date cells), text stays text
    if column in DATE_COLUMNS:
        return _Spelling(DATE_FORMATS[layout.dates])
    if column in CODE_COLUMNS and layout.lower_codes:
        return _Spelling(str.lower)
    return None


class Formatter:
    """Canonical row (contract order) -> the values a source delivers, in its column order."""

    def __init__(self, bron: str, bestand: str) -> None:
        self.layout = LAYOUTS[(bron, bestand)]
        self.columns = columns_for(bron, bestand)
        order = self.layout.order(self.columns)
        self.header = [self.layout.header(c) for c in order]
        self._positions = {c: i for i, c in enumerate(order)}
        self._plan = [(self.columns.index(c), _converter(self.layout, c)) for c in order]

    def __call__(self, row: tuple) -> list:
        if self.layout.fmt == "xlsx":
            return [row[i] if spelling is None else spelling[row[i]] for i, spelling in self._plan]
        # text values are never empty strings, so `or ""` only turns None into an empty cell
        return [row[i] or "" if spelling is None else spelling[row[i]] for i, spelling in self._plan]

    def invalid(self, bad: InvalidRow) -> list:
        values = self(bad.values + (None,) * (len(self.columns) - len(bad.values)))
        for column, text in bad.raw:
            values[self._positions[column]] = text
        return values


class _CsvSink:
    def __init__(self, path: Path, layout: Layout, header: list[str]) -> None:
        self.path, self.layout, self.rows = path, layout, 0
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.handle = open(self.tmp, "w", encoding=layout.encoding, newline="")  # noqa: SIM115
        self.handle.write(render_csv(layout, [header])[0])

    def write(self, lines: list[str]) -> None:
        """Rendered lines (see `render_csv`)."""
        self.handle.write("".join(lines))
        self.rows += len(lines)

    def close(self) -> None:
        self.handle.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def render_csv(layout: Layout, rows: list[list]) -> list[str]:
    """Each row as one CSV line of this layout, written by the csv module."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=layout.delimiter, quoting=layout.quoting,
               lineterminator=layout.lineterminator).writerows(rows)
    terminator = layout.lineterminator
    lines = [line + terminator for line in buffer.getvalue().split(terminator)[:-1]]
    if len(lines) != len(rows):  # pragma: no cover - no value holds a line break
        raise ValueError("a value contains a line break")
    return lines


class _XlsxSink:
    """An XLSX delivery. openpyxl (write-only) builds the package: content types, workbook,
    styles with the date format, a notes sheet, properties. The rows of the first sheet are
    rendered here the way openpyxl writes them (inline strings; date serials with openpyxl's own
    date style), because openpyxl's per-cell XML writer is by far the slowest part of a large
    demo. Rows are streamed to a hidden temporary file until the workbook is closed."""

    def __init__(self, path: Path, layout: Layout, header: list[str]) -> None:
        self.path, self.layout, self.rows = path, layout, 0
        self.letters = [_column_letter(i) for i in range(len(header))]
        self.tmp = path.with_name(f".{path.name}.rows.tmp")
        self.handle = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115
        self.handle.write(self._row_xml(1, header))

    def _row_xml(self, number: int, values: list) -> str:
        cells = []
        for letter, v in zip(self.letters, values):
            if v is None:
                continue
            if isinstance(v, date):
                cells.append(f'<c r="{letter}{number}" s="{_DATE_STYLE}" t="n"><v>{v.toordinal() - EXCEL_EPOCH}</v></c>')
            else:
                cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{xml_escape(v)}</t></is></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'

    def write(self, rows: list) -> None:
        start = self.rows + 2
        self.handle.write("".join([self._row_xml(n, row) for n, row in enumerate(rows, start)]))
        self.rows += len(rows)

    def close(self) -> None:
        from openpyxl import Workbook  # only needed for the XLSX files

        self.handle.close()
        workbook = Workbook(write_only=True)
        workbook.create_sheet(self.layout.sheet).append([_STYLE_PROBE])  # registers openpyxl's date style
        if self.layout.notes:
            notes = workbook.create_sheet(self.layout.notes[0])
            for line in self.layout.notes[1:]:
                notes.append([line])
        props = workbook.properties
        props.creator = props.lastModifiedBy = "LVV demo-generator"
        props.created = props.modified = XLSX_TIMESTAMP
        buffer = io.BytesIO()
        workbook.save(buffer)
        rows = self.tmp.read_text(encoding="utf-8")
        extent = f"A1:{self.letters[-1]}{self.rows + 1}"
        package = _stable_zip(buffer.getvalue(), {FIRST_SHEET: lambda xml: _inject_rows(xml, rows, extent)})
        out = self.path.with_name(f".{self.path.name}.tmp")
        out.write_bytes(package)
        os.replace(out, self.path)
        self.tmp.unlink()

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


FIRST_SHEET = "xl/worksheets/sheet1.xml"
EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 for dates after February 1900
_STYLE_PROBE = date(2020, 11, 1)
_DATE_STYLE = "\x00DATESTYLE\x00"  # placeholder in the rendered rows until openpyxl's id is known
_PROBE_ROW = re.compile(r'<sheetData><row r="1"><c r="A1" s="(\d+)" t="n"><v>[^<]*</v></c></row></sheetData>')


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xml_escape(text: str) -> str:
    if text != text.strip():  # pragma: no cover - no delivered value has surrounding spaces
        raise ValueError(f"value with surrounding spaces: {text!r}")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inject_rows(sheet_xml: bytes, rows: str, extent: str) -> bytes:
    """Replace the probe row openpyxl wrote by the rendered rows (with openpyxl's date style),
    and state the sheet's extent as Excel does (`<dimension>`, before `<sheetViews>`)."""
    text = sheet_xml.decode("utf-8")
    probe = _PROBE_ROW.search(text)
    if probe is None or "<dimension" in text or "<sheetViews>" not in text:  # pragma: no cover
        raise RuntimeError("unexpected worksheet XML from openpyxl")
    data = "<sheetData>" + rows.replace(_DATE_STYLE, probe.group(1)) + "</sheetData>"
    text = text[: probe.start()] + data + text[probe.end():]
    return text.replace("<sheetViews>", f'<dimension ref="{extent}" /><sheetViews>', 1).encode("utf-8")


def _stable_zip(data: bytes, rewrite: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The same package with members rewritten by `rewrite`, fixed member timestamps and fixed
    document dates (openpyxl stamps the save time into both)."""
    stamp = XLSX_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            if info.filename in rewrite:
                content = rewrite[info.filename](content)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, content, compresslevel=1)  # fast; the sheets are repetitive XML
    return out.getvalue()


def _open_sink(landing: Path, bron: str, bestand: str, peildatum: date, formatter: Formatter):
    layout = formatter.layout
    path = landing / bron / file_name(bron, bestand, peildatum, layout.fmt)
    sink = _XlsxSink if layout.fmt == "xlsx" else _CsvSink
    return sink(path, layout, formatter.header)


def _write_files(landing: Path, seed: int, scale: int, say: Callable[[str], None]) -> dict:
    """Write every delivery at every peildatum, replica by replica; return what was written."""
    formatters = {key: Formatter(*key) for key in FILE_KEYS}
    sinks = {(key, d): _open_sink(landing, *key, d, formatters[key]) for key in FILE_KEYS for d in cal.PEILDATA}
    written: dict = {"rows": {}, "invalid_rows": [], "rejected": [], "counts": {}}
    try:
        for k, rep in enumerate(iter_replicas(seed, scale)):
            records = snapshot_records(rep)
            fixes = corrections_by_key(rep.corrections)
            for key in FILE_KEYS:
                _write_replica(key, records[key], fixes[key], formatters[key], sinks)
            if k == 0:
                written["invalid_rows"] = _write_invalid_rows(rep.invalid_rows, formatters, sinks)
                written["rejected"].append(_write_rejected(landing, records, formatters))
            _count(rep, written["counts"])
            if scale <= 10 or (k + 1) % 10 == 0:
                say(f"populatie {k + 1}/{scale} opgebouwd en geschreven")
        for (key, _d), sink in sinks.items():
            sink.close()
            written["rows"][f"{key[0]}/{sink.path.name}"] = sink.rows
            say(f"{key[0]}/{sink.path.name}: {sink.rows} rijen")
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        raise
    return written


def _write_replica(key, records, fixes, formatter: Formatter, sinks) -> None:
    """One replica's rows into the seven deliveries of one (bron, bestand). Every version of a
    record (incomplete, complete, corrected) is rendered once; a delivery picks its version."""
    peildata, n = cal.PEILDATA, len(cal.PEILDATA)
    rows: list[list] = []
    items: list[tuple[int, int, int, int]] = []  # (first delivery, first complete delivery, masked, full)
    overrides: dict[tuple[int, int], int] = {}  # (item, delivery) -> row of a corrected version
    for rec in records:
        i0 = bisect_left(peildata, rec.start)
        if i0 == n:
            continue
        i1 = bisect_left(peildata, rec.done) if rec.done is not None else n
        masked = full = -1
        if i0 < i1:
            rows.append(formatter(rec.masked))
            masked = len(rows) - 1
        if i1 < n:
            rows.append(formatter(rec.full))
            full = len(rows) - 1
        if fixes and rec.key in fixes:
            for j in range(i0, n):
                applicable = [c for c in fixes[rec.key] if peildata[j] in c.peildata]
                if applicable:
                    row = rec.at(peildata[j])
                    for c in applicable:
                        row = apply_correction(row, formatter.columns, c)
                    rows.append(formatter(row))
                    overrides[(len(items), j)] = len(rows) - 1
        items.append((i0, i1, masked, full))
    lines = render_csv(formatter.layout, rows) if formatter.layout.fmt == "csv" else rows
    for j, d in enumerate(peildata):
        if overrides:
            chosen = [lines[overrides.get((x, j), full if i1 <= j else masked)]
                      for x, (i0, i1, masked, full) in enumerate(items) if i0 <= j]
        else:
            chosen = [lines[full if i1 <= j else masked] for i0, i1, masked, full in items if i0 <= j]
        sinks[(key, d)].write(chosen)


def _write_invalid_rows(invalid: list[InvalidRow], formatters, sinks) -> list[dict]:
    """The rows to quarantine, after replica 0's rows; where each one landed."""
    out = []
    for bad in invalid:
        key = (bad.bron, bad.bestand)
        sink = sinks[(key, bad.peildatum)]
        if formatters[key].layout.fmt != "csv":  # pragma: no cover - the invalid rows are all in CSV files
            raise ValueError(f"invalid row for an XLSX file: {key}")
        sink.write(render_csv(sink.layout, [formatters[key].invalid(bad)]))
        out.append({"file": f"{bad.bron}/{sink.path.name}", "row_number": sink.rows + 1, "reason": bad.reason})
    return out


def _write_rejected(landing: Path, records, formatters) -> dict:
    """A delivery whose name has no real peildatum (31 February): to be rejected whole."""
    bron, bestand, stamp = REJECTED_FILE
    formatter = formatters[(bron, bestand)]
    path = landing / bron / f"{bron}_{bestand}_{stamp}.csv"
    sink = _CsvSink(path, formatter.layout, formatter.header)
    rows = [formatter(r.at(REJECTED_CONTENT_DATE)) for r in records[(bron, bestand)] if r.start <= REJECTED_CONTENT_DATE]
    sink.write(render_csv(formatter.layout, rows))
    sink.close()
    return {"file": f"{bron}/{path.name}", "reason": "peildatum 20200231 in de bestandsnaam is geen bestaande datum"}


def _count(rep: Population, counts: dict) -> None:
    def add(name: str, n: int) -> None:
        counts[name] = counts.get(name, 0) + n
    add("persons", sum(1 for p in rep.persons if p.lvv))
    add("national_only_persons", sum(1 for p in rep.persons if not p.lvv))
    add("stays", len(rep.stays))
    add("stays_in_scope", sum(1 for s in rep.stays if s.in_scope))
    add("events", sum(len(s.events) for s in rep.stays))
    add("procedures", sum(len(p.procedures) for p in rep.persons))
    add("maatregelen", sum(len(p.maatregelen) for p in rep.persons))
    add("vertrekzaken", sum(len(p.vertrekzaken) for p in rep.persons))
    add("corrections", len(rep.corrections))


LEESMIJ = """Demo-landingsmap van de landelijke monitor LVV
==============================================

Alle gegevens in deze map zijn synthetisch (seed {seed}, schaal {scale}): ze beschrijven geen
bestaande personen. Elke bronmap bevat volledige momentopnamen per peildatum, in de opmaak die
het leveringscontract (FEEDS.md) toestaat. Dit bestand staat in de hoofdmap en is zelf geen
levering; de pijplijn slaat het over, net als lock-bestanden (~$...) en verborgen bestanden.
"""
# An Office owner file ("~$name.xlsx"): the user name, padded, in ANSI and UTF-16. Not a workbook.
LOCK_FILE_BYTES = bytes([8]) + b"lvv-demo" + b" " * 45 + bytes([8, 0]) + "lvv-demo".encode("utf-16-le") + b"\x20\x00" * 46
DS_STORE_BYTES = b"\x00\x00\x00\x01Bud1" + bytes(56)


def _write_extras(landing: Path, seed: int, scale: int) -> list[str]:
    extras = {
        landing / "LEESMIJ.txt": LEESMIJ.format(seed=seed, scale=scale).encode("utf-8"),
        landing / "rotterdam" / "~$rotterdam_verblijven_20201101.xlsx": LOCK_FILE_BYTES,
        landing / "rotterdam" / ".DS_Store": DS_STORE_BYTES,
    }
    for path, data in extras.items():
        path.write_bytes(data)
    return [path.relative_to(landing).as_posix() for path in extras]


def write_demo_feeds(landing: Path, seed: int = DEFAULT_SEED, scale: int = 1,
                     progress: Callable[[str], None] | None = None) -> dict:
    """Write a complete landing folder of synthetic deliveries and return a summary.

    Deterministic: the same seed and scale give byte-identical files. `scale` N writes N
    independent copies of the calibrated population (so every monitor figure except the
    capacity is N times the letter's). Existing files with the same names are replaced;
    nothing else in the folder is touched.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    say = progress or (lambda _message: None)
    landing = Path(landing)
    for bron in cal.BRONNEN:
        (landing / bron).mkdir(parents=True, exist_ok=True)
    say(f"demo-populatie opbouwen en schrijven naar {landing} (seed {seed}, schaal {scale})")
    written = _write_files(landing, seed, scale, say)
    skipped = _write_extras(landing, seed, scale)
    say("LEESMIJ.txt, lock-bestand en .DS_Store geschreven (horen overgeslagen te worden)")
    rows = dict(sorted(written["rows"].items()))
    counts = written["counts"]
    return {
        "landing": str(landing),
        "seed": seed,
        "scale": scale,
        "peildata": [d.isoformat() for d in cal.PEILDATA],
        **counts,
        "national_persons": counts["persons"] + counts["national_only_persons"],
        "deliveries": len(rows),
        "files": len(rows) + len(written["rejected"]) + len(skipped),
        "rows": rows,
        "invalid_rows": written["invalid_rows"],
        "rejected": written["rejected"],
        "skipped": skipped,
    }
