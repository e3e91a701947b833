"""The ledger of deliveries: what a file is (`DeliveryReport`), its bytes, and its rows in
`raw.deliveries` and `raw.landing_scan`.

Split from pipelines/ingest/load.py (issue 14): load.py reads, validates and writes the rows of a
batch; this module keeps the account of every file received, loaded or rejected, which the
nightly fingerprint and the Dagster ingest assets read too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from pipelines.ingest.landing import Candidate, LandingScan
from pipelines.ingest.readers import ReadResult

LOADED, REJECTED, UNCHANGED = "loaded", "rejected", "unchanged"
DEFAULT_MAX_DELIVERY_BYTES = 1 << 30


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


def insert_delivery(
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
            delivery_id, candidate.file_name, candidate.relative_path, candidate.bron, candidate.bestand,
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
    if data is None:
        data, error = read_delivery_bytes(candidate)
        if error:
            reason = f"{reason}; bovendien: {error}"
    sha = sha256_hex(data)
    if already_received(con, candidate.relative_path, sha):
        return DeliveryReport(candidate.relative_path, UNCHANGED)
    report = DeliveryReport(candidate.relative_path, REJECTED, reason=reason)
    report.delivery_id = next_delivery_id(con)
    insert_delivery(con, candidate, report.delivery_id, sha, len(data), received_at, report)
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


def read_delivery_bytes(candidate: Candidate) -> tuple[bytes, str | None]:
    """The file's bytes, or no bytes and the reason they could not be read.

    Files over `max_delivery_bytes()` are not read into memory: a snapshot of a pilot is a few
    MB, so such a file is a mistake and must not take the night's memory with it.
    """
    limit = max_delivery_bytes()
    try:
        size = candidate.path.stat().st_size
        if size > limit:
            return b"", (
                f"bestand is {size / 2**20:.0f} MiB, groter dan de grens van "
                f"{limit / 2**20:.0f} MiB (LVV_MAX_DELIVERY_BYTES); lever een momentopname, geen archief"
            )
        return candidate.path.read_bytes(), None
    except OSError as exc:
        return b"", f"bestand kan niet gelezen worden ({type(exc).__name__}: {exc.strerror or exc}); geef de monitor leesrechten"


def max_delivery_bytes() -> int:
    """Largest delivery read (bytes); `LVV_MAX_DELIVERY_BYTES` overrides the 1 GiB default."""
    return int(os.environ.get("LVV_MAX_DELIVERY_BYTES", str(DEFAULT_MAX_DELIVERY_BYTES)))
