"""The monitor report: one self-contained HTML file for the ministry and the pilots.

`write_report` reads only the published file (`monitor.duckdb`, schema `marts`) and writes the
report for a peildatum: the monitor table, the comparison with the previous peildatum, the
bestendige oplossingen, the scenarios, per pilot the flows over time and the occupancy against
capacity, the out-of-scope populations and other deviations, and the definitions and sources.
Inline CSS and inline SVG only: the file opens without a network.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from pipelines.config import PUBLISHED_DB_NAME  # re-exported: pipelines.report.command reads it here
from pipelines.report.data import ReportData, ReportDataError, load_report_data, newest_peildatum


def default_report_path(warehouse: Path, peildatum: date) -> Path:
    """Where the nightly run puts the report of a peildatum: `<warehouse>/rapport/monitor_YYYY-MM-DD.html`."""
    return Path(warehouse) / "rapport" / f"monitor_{peildatum.isoformat()}.html"


def build_report(
    published_db: Path,
    peildatum: date,
    previous: date | None = None,
    *,
    demo: bool | None = None,
    as_reported: bool = False,
    generated_at: datetime | None = None,
) -> str:
    """The report as an HTML string (see `write_report`)."""
    return _build(published_db, peildatum, previous, demo, as_reported, generated_at)[0]


def _build(published_db, peildatum, previous, demo, as_reported, generated_at) -> tuple[str, ReportData]:
    from pipelines.report.render import render_report

    data = load_report_data(Path(published_db), peildatum, previous=previous, is_demo=demo, as_reported=as_reported)
    return render_report(data, gemaakt_op=generated_at), data


def write_report(
    published_db: Path,
    peildatum: date,
    out: Path,
    previous: date | None = None,
    *,
    demo: bool | None = None,
    as_reported: bool = False,
    generated_at: datetime | None = None,
) -> Path:
    """Write the monitor report at `peildatum` from the published file to `out`; return `out`.

    previous     the peildatum to compare with; default the previous delivery peildatum (or one
                 month earlier when the file does not reveal the delivery peildata)
    demo         mark the report as demo; default `marts.publicatie.is_demo` when that table exists
    as_reported  the monitor table as reported then (only deliveries known at the peildatum)
                 instead of the newest deliveries
    generated_at the time printed as "gemaakt op" (default: now, Europe/Amsterdam)

    The file is written next to `out` and renamed into place, so a reader never sees half a report.
    Raises `ReportDataError` when the published file lacks what the report needs.
    """
    return _write(published_db, peildatum, out, previous, demo, as_reported, generated_at)[0]


def _write(published_db, peildatum, out, previous, demo, as_reported, generated_at) -> tuple[Path, ReportData]:
    html, data = _build(published_db, peildatum, previous, demo, as_reported, generated_at)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out, data


def write_warehouse_report_with_data(warehouse: Path, peildatum: date | None = None) -> tuple[Path, ReportData]:
    """As `write_warehouse_report`, and also what the report showed (for run metadata)."""
    published_db = Path(warehouse) / PUBLISHED_DB_NAME
    peildatum = peildatum or newest_peildatum(published_db)
    return _write(published_db, peildatum, default_report_path(warehouse, peildatum), None, None, False, None)


def write_warehouse_report(warehouse: Path, peildatum: date | None = None) -> Path:
    """The nightly run's report: from `<warehouse>/monitor.duckdb`, at `peildatum` (default: the
    newest peildatum of the publication), into `default_report_path(warehouse, peildatum)`."""
    return write_warehouse_report_with_data(warehouse, peildatum)[0]


__all__ = [
    "PUBLISHED_DB_NAME", "ReportData", "ReportDataError", "build_report", "default_report_path",
    "load_report_data", "newest_peildatum", "write_report", "write_warehouse_report",
    "write_warehouse_report_with_data",
]
