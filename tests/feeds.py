"""Build real delivery files (CSV in every allowed variant, XLSX) for tests. Synthetic data only."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from pathlib import Path

import duckdb

VERBLIJVEN_HEADER = [
    "client_id", "verblijf_id", "v_nummer", "geboortedatum", "geslacht", "nationaliteit",
    "samenstelling", "instroomdatum", "herkomst", "regiobinding", "uitstroomdatum", "uitstroomreden",
]

# Three stays as plain Python values; dates as date objects so each writer can spell them.
VERBLIJVEN_ROWS = [
    ["C001", "V001", "1000000001", date(1980, 2, 1), "M", "ERI", "ALLEENSTAAND", date(2019, 4, 1), "BBB", True, None, None],
    ["C002", "V002", "", date(1975, 12, 24), "V", "IRN", "ALLEENSTAAND", date(2019, 5, 13), "NIEUW", True, date(2020, 3, 9), "TERUGKEER"],
    ["C003", "V003", "1000000003", date(1990, 7, 9), "X", "XXX", "GEZIN", date(2020, 1, 2), "OVERIG", False, date(2020, 11, 1), "MOB"],
]

EXPECTED_CANONICAL = [
    ("C001", "V001", "1000000001", "1980-02-01", "M", "ERI", "ALLEENSTAAND", "2019-04-01", "BBB", "true", None, None),
    ("C002", "V002", None, "1975-12-24", "V", "IRN", "ALLEENSTAAND", "2019-05-13", "NIEUW", "true", "2020-03-09", "TERUGKEER"),
    ("C003", "V003", "1000000003", "1990-07-09", "X", "XXX", "GEZIN", "2020-01-02", "OVERIG", "false", "2020-11-01", "MOB"),
]

DATE_STYLES = {
    "iso": lambda d: d.isoformat(),
    "d-m-yyyy": lambda d: f"{d.day}-{d.month}-{d.year}",
    "dd-mm-yyyy": lambda d: d.strftime("%d-%m-%Y"),
    "dd/mm/yyyy": lambda d: d.strftime("%d/%m/%Y"),
}
BOOLEAN_STYLES = {
    "ja/nee": ("ja", "nee"), "j/n": ("J", "N"), "true/false": ("TRUE", "false"),
    "1/0": ("1", "0"), "yes/no": ("Yes", "NO"),
}


def spell(value: object, date_style: str = "iso", boolean_style: str = "ja/nee", lower_codes: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = BOOLEAN_STYLES[boolean_style]
        return yes if value else no
    if isinstance(value, date):
        return DATE_STYLES[date_style](value)
    text = str(value)
    is_code = text.isupper() and text.replace("_", "").isalpha()
    return text.lower() if lower_codes and is_code else text


def csv_bytes(
    header: list[str], rows: list[list[object]], *, delimiter: str = ",", encoding: str = "utf-8",
    bom: bool = False, quote_all: bool = False, date_style: str = "iso", boolean_style: str = "ja/nee",
    lower_codes: bool = False, header_style=lambda h: h,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow([header_style(h) for h in header])
    for row in rows:
        writer.writerow([spell(v, date_style, boolean_style, lower_codes) for v in row])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(header: list[str], rows: list[list[object]], *, header_row: int = 1) -> bytes:
    """A workbook with real date cells; `header_row` > 1 builds the 'header not in row 1' case."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for _ in range(header_row - 1):
        sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append([("ja" if v else "nee") if isinstance(v, bool) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def deliver(landing: Path, relative_path: str | bytes, data: bytes) -> Path:
    """Write a delivery; a `bytes` path may hold any bytes a file name can (not valid UTF-8 too)."""
    path = landing / (os.fsdecode(relative_path) if isinstance(relative_path, bytes) else relative_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def deliveries(db_path: Path) -> dict[str, tuple]:
    """relative_path → (status, reason, rows_read, rows_loaded, rows_quarantined) of the newest row."""
    rows = query(
        db_path,
        "SELECT relative_path, status, reason, rows_read, rows_loaded, rows_quarantined "
        "FROM raw.deliveries ORDER BY delivery_id",
    )
    return {r[0]: r[1:] for r in rows}
