"""Take deliveries into the raw zone: every row loaded or quarantined, every file accounted for.

One delivery is one transaction: its rows, its quarantine, its extra values and its row in
`raw.deliveries` land together or not at all, so an interrupted run leaves no half delivery and
the next run simply takes the file again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.contract import FILE_SPECS, FileSpec, load_code_lists
from pipelines.ingest.landing import Candidate, LandingScan, scan_landing
from pipelines.ingest.readers import ReadResult, RejectedFile, read_delivery
from pipelines.ingest.validate import validation_sql

LOADED, REJECTED, UNCHANGED = "loaded", "rejected", "unchanged"
HEADER_SEARCH_ROWS = 10  # how far down we look for a misplaced header, to say so


@dataclass
class DeliveryReport:
    """What happened to one file in this run; `unchanged` means: these bytes were taken before."""

    relative_path: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    delivery_id: int | None = None

    def summary(self) -> str:
        if self.status == UNCHANGED:
            return f"{self.relative_path}: al eerder ontvangen (zelfde inhoud), niets gewijzigd"
        if self.status == REJECTED:
            return f"{self.relative_path}: GEWEIGERD: {self.reason}"
        text = (
            f"{self.relative_path}: {self.rows_read} rijen gelezen, {self.rows_loaded} geladen, "
            f"{self.rows_quarantined} in quarantaine"
        )
        if self.extra_columns:
            text += f"; extra kolommen apart gezet: {', '.join(self.extra_columns)}"
        return text


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def already_received(con: duckdb.DuckDBPyConnection, relative_path: str, sha256: str) -> bool:
    rows = con.execute(
        "SELECT 1 FROM raw.deliveries WHERE relative_path = ? AND sha256 = ?", [relative_path, sha256]
    ).fetchall()  # DuckDB 2: a result must be read to the end before the connection is reused
    return bool(rows)


def next_delivery_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(delivery_id), 0) + 1 FROM raw.deliveries").fetchall()[0][0]


def _insert_delivery(
    con: duckdb.DuckDBPyConnection,
    candidate: Candidate,
    delivery_id: int,
    sha256: str,
    size: int,
    received_at: datetime,
    report: DeliveryReport,
    read: ReadResult | None = None,
) -> None:
    con.execute(
        """
        INSERT INTO raw.deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            delivery_id, candidate.path.name, candidate.relative_path, candidate.bron, candidate.bestand,
            candidate.peildatum, candidate.file_format,
            read.encoding if read else None, read.delimiter if read else None,
            sha256, size, received_at, datetime.now() if report.status == LOADED else None,
            report.rows_read, report.rows_loaded, report.rows_quarantined,
            report.status, report.reason, report.extra_columns,
        ],
    )


def record_rejection(
    con: duckdb.DuckDBPyConnection, candidate: Candidate, reason: str, received_at: datetime,
    data: bytes | None = None,
) -> DeliveryReport:
    data = candidate.path.read_bytes() if data is None else data
    sha = sha256_hex(data)
    if already_received(con, candidate.relative_path, sha):
        return DeliveryReport(candidate.relative_path, UNCHANGED)
    report = DeliveryReport(candidate.relative_path, REJECTED, reason=reason)
    report.delivery_id = next_delivery_id(con)
    _insert_delivery(con, candidate, report.delivery_id, sha, len(data), received_at, report)
    return report


def record_name_rejections(con: duckdb.DuckDBPyConnection, scan: LandingScan, received_at: datetime) -> list[DeliveryReport]:
    """Files in a bron folder whose name alone rules them out: rejected, with the reason."""
    return [record_rejection(con, c, c.rejection or "", received_at) for c in scan.rejected_by_name]


def record_landing_scan(con: duckdb.DuckDBPyConnection, scan: LandingScan) -> None:
    """Replace `raw.landing_scan` with what this scan found (the same folder gives the same rows)."""
    rows = [(c.relative_path, "levering", c.rejection) for c in scan.candidates]
    rows += [(s.path, "overgeslagen", s.reason) for s in scan.skipped]
    con.execute("DELETE FROM raw.landing_scan")
    if rows:
        con.executemany("INSERT INTO raw.landing_scan VALUES (?, ?, ?)", rows)


def _check_header(spec: FileSpec, read: ReadResult) -> tuple[list[str], list[str]]:
    """Normalize the header; reject duplicates, missing required columns and a misplaced header.

    Returns the normalized header and the names of extra (non-contract) columns.
    """
    header = [h.strip().lower() for h in read.header]
    header = [h if h else f"_kolom_{i + 1}" for i, h in enumerate(header)]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise RejectedFile(f"kolom '{name}' komt meer dan eens voor in de kopregel")
        seen.add(name)
    missing = [name for name in spec.required_names if name not in seen]
    if missing:
        for number, values in read.records[:HEADER_SEARCH_ROWS]:
            if set(spec.required_names) <= {v.strip().lower() for v in values}:
                raise RejectedFile(f"de kopregel staat niet op rij 1 maar op rij {number}")
        raise RejectedFile(f"verplichte kolom(men) ontbreken: {', '.join(missing)}")
    extra = [name for name in header if name not in spec.column_names]
    return header, extra


def _incoming_table(spec: FileSpec, header: list[str], read: ReadResult) -> pa.Table:
    """Arrow table of the contract's columns as delivered (text), plus row number and width.

    Rows are squared to the header's width first (the true width is kept in `_field_count` for
    the validation), so the transpose is one C-level `zip(*rows)` instead of a loop per cell.
    """
    width = len(header)
    records = read.records
    squared = [v if len(v) == width else (v + [""] * width)[:width] for _, v in records]
    by_position = list(zip(*squared)) if squared else [()] * width
    position = {name: i for i, name in enumerate(header)}
    columns: dict[str, pa.Array] = {
        "_row_number": pa.array([n for n, _ in records], pa.int32()),
        "_field_count": pa.array([len(v) for _, v in records], pa.int32()),
    }
    for name in spec.column_names:
        i = position.get(name)
        columns[name] = pa.nulls(len(records), pa.string()) if i is None else pa.array(by_position[i], pa.string())
    return pa.table(columns)


def _raw_values_json(header: list[str], values: list[str]) -> str:
    named = {name: (values[i] if i < len(values) else None) for i, name in enumerate(header)}
    for extra_index in range(len(header), len(values)):
        named[f"_extra_veld_{extra_index + 1}"] = values[extra_index]
    return json.dumps(named, ensure_ascii=False)


def ingest_candidate(
    con: duckdb.DuckDBPyConnection, candidate: Candidate, received_at: datetime
) -> DeliveryReport:
    """Read, validate and load one delivery in one transaction."""
    data = candidate.path.read_bytes()
    sha = sha256_hex(data)
    if already_received(con, candidate.relative_path, sha):
        return DeliveryReport(candidate.relative_path, UNCHANGED)
    spec = FILE_SPECS[candidate.bestand or ""]
    try:
        read = read_delivery(data, candidate.file_format or "csv")
        header, extra = _check_header(spec, read)
        if not read.records:
            raise RejectedFile("bestand bevat geen gegevensrijen (een volledige momentopname is nooit leeg)")
    except RejectedFile as exc:
        return record_rejection(con, candidate, str(exc), received_at, data)

    delivery_id = next_delivery_id(con)
    loaded_at = datetime.now()
    con.register("incoming", _incoming_table(spec, header, read))
    con.begin()
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE checked AS "
            + validation_sql(spec, load_code_lists(), len(header), source="incoming")
        )
        lineage = [delivery_id, candidate.path.name, sha, candidate.bron, candidate.bestand,
                   candidate.peildatum, received_at, loaded_at]
        names = ", ".join(f'"{c}"' for c in spec.column_names)
        con.execute(
            f"""
            INSERT INTO raw.{spec.raw_table}
            SELECT ?, ?, ?, _row_number, ?, ?, ?, ?, ?, {names}
            FROM checked WHERE len(reasons) = 0 ORDER BY _row_number
            """,
            lineage,
        )
        failed = con.execute(
            "SELECT _row_number, reasons FROM checked WHERE len(reasons) > 0 ORDER BY _row_number"
        ).fetchall()
        if failed:
            by_number = dict(read.records)
            con.executemany(
                "INSERT INTO raw.quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (delivery_id, candidate.path.name, candidate.bron, candidate.bestand, candidate.peildatum,
                     number, _raw_values_json(header, by_number[number]), reasons)
                    for number, reasons in failed
                ],
            )
        if extra:
            _store_extra_values(con, delivery_id, candidate.path.name, header, extra, read)
        report = DeliveryReport(
            candidate.relative_path, LOADED, rows_read=len(read.records),
            rows_loaded=len(read.records) - len(failed), rows_quarantined=len(failed),
            extra_columns=extra, delivery_id=delivery_id,
        )
        _insert_delivery(con, candidate, delivery_id, sha, len(data), received_at, report, read)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("incoming")
    return report


def _store_extra_values(
    con: duckdb.DuckDBPyConnection, delivery_id: int, file_name: str, header: list[str],
    extra: list[str], read: ReadResult,
) -> None:
    rows = []
    for name in extra:
        i = header.index(name)
        for number, values in read.records:
            if i < len(values) and values[i].strip():
                rows.append((delivery_id, file_name, number, name, values[i]))
    if rows:
        table = pa.table({
            "delivery_id": pa.array([r[0] for r in rows], pa.int32()),
            "file_name": pa.array([r[1] for r in rows], pa.string()),
            "row_number": pa.array([r[2] for r in rows], pa.int32()),
            "column_name": pa.array([r[3] for r in rows], pa.string()),
            "value": pa.array([r[4] for r in rows], pa.string()),
        })
        con.register("extra_rows", table)
        con.execute("INSERT INTO raw.extra_values SELECT * FROM extra_rows")
        con.unregister("extra_rows")


def ingest_bestand(
    con: duckdb.DuckDBPyConnection, scan: LandingScan, bestand: str, received_at: datetime
) -> list[DeliveryReport]:
    """Ingest every delivery of one file type, oldest peildatum first."""
    candidates = sorted(scan.for_bestand(bestand), key=lambda c: (c.peildatum, c.relative_path))
    return [ingest_candidate(con, c, received_at) for c in candidates]


def open_pipeline_db(db_path: Path) -> duckdb.DuckDBPyConnection:
    from pipelines.ingest.zone import ensure_raw_zone

    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    ensure_raw_zone(con)
    return con


def ingest_landing(landing: Path, db_path: Path) -> list[DeliveryReport]:
    """The whole raw-zone step outside Dagster: scan, name rejections, every file type.

    The Dagster assets do the same per file type; this is for tests and tools.
    """
    scan = scan_landing(landing)
    received_at = datetime.now()
    con = open_pipeline_db(db_path)
    try:
        record_landing_scan(con, scan)
        reports = record_name_rejections(con, scan, received_at)
        for bestand in FILE_SPECS:
            reports += ingest_bestand(con, scan, bestand, received_at)
    finally:
        con.close()
    return reports
