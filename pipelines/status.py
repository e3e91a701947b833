"""What the raw zone has received and how the runs went (`lvv-monitor status`).

First the runs: the last one's outcome (a killed run shows as `niet afgemaakt`), whether one is
running now, and whether the published `monitor.duckdb` is behind the raw zone (deliveries
loaded after it was published). Then deliveries and quarantine per bron.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import runs
from pipelines.config import PUBLISHED_DB_NAME
from pipelines.contract import BRONNEN
from pipelines.textual import format_table


def open_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise FileNotFoundError(
            f"geen pijplijndatabase gevonden op {db_path}; draai eerst `lvv-monitor run` "
            "of geef met --warehouse de juiste map op"
        )
    return duckdb.connect(str(db_path), read_only=True)


RUNS_SHOWN = 5


def runs_section(warehouse: Path, newest_load: datetime | None) -> list[str]:
    """The last runs and their outcome, and whether the published file lags the raw zone."""
    history = runs.read_runs(warehouse)
    parts: list[str] = []
    if history:
        last = history[-1]
        line = f"Laatste run: {last.outcome} (gestart {last.started_at}, {last.kind}, PID {last.pid})"
        if last.outcome == "niet afgemaakt":
            line += ("; het proces is gestopt zonder af te ronden (afgebroken of gekild). Er is niets "
                     "half gepubliceerd; de volgende run maakt het werk af.")
        elif last.outcome == "mislukt":
            line += f"; stap {last.failed_step or '?'}: {last.error or 'zie de runlog in logs/'}"
        parts.append(line)
        shown = history[-RUNS_SHOWN:]
        parts.append(format_table(
            ["run", "soort", "gestart", "klaar", "uitkomst", "stap"],
            [(r.run_id, r.kind, r.started_at, r.finished_at or "", r.outcome, r.failed_step or "") for r in shown],
        ))
    else:
        parts.append("Laatste run: geen runs vastgelegd in deze warehousemap")
    published = warehouse / PUBLISHED_DB_NAME
    if not published.exists():
        parts.append(f"Gepubliceerd bestand: nog niet gepubliceerd ({PUBLISHED_DB_NAME} ontbreekt)")
    else:
        published_at = datetime.fromtimestamp(published.stat().st_mtime)
        behind = newest_load is not None and newest_load > published_at
        parts.append(
            f"Gepubliceerd bestand: {published} van {published_at.isoformat(sep=' ', timespec='seconds')}"
            + (f"; LOOPT ACHTER: de ruwe zone kreeg daarna nog leveringen (laatste {newest_load:%Y-%m-%d %H:%M:%S})"
               if behind else "; bij met de ruwe zone")
        )
    return parts


def status_report(db_path: Path, max_quarantine_rows: int | None = None) -> str:
    try:
        con = open_read_only(db_path)
    except duckdb.IOException as exc:  # a run is writing the pipeline database right now
        if "lock" not in str(exc).lower():
            raise
        return "\n".join([
            *runs_section(db_path.parent, None), "",
            "De pijplijndatabase wordt nu door een run beschreven; de leveringen per bron zijn na "
            f"die run weer te zien. Het gepubliceerde {PUBLISHED_DB_NAME} is gewoon te openen.",
        ])
    try:
        newest_load = con.execute("SELECT max(loaded_at) FROM raw.deliveries").fetchall()[0][0]
        per_bron = con.execute(
            """
            SELECT bron,
                   count(*) FILTER (WHERE status = 'loaded') AS geladen,
                   count(*) FILTER (WHERE status = 'rejected') AS geweigerd,
                   strftime(max(peildatum) FILTER (WHERE status = 'loaded'), '%Y-%m-%d') AS laatste_peildatum,
                   coalesce(sum(rows_read), 0) AS rijen_gelezen,
                   coalesce(sum(rows_loaded), 0) AS rijen_geladen,
                   coalesce(sum(rows_quarantined), 0) AS rijen_quarantaine
            FROM raw.deliveries GROUP BY bron
            ORDER BY list_position(?, bron)
            """,
            [list(BRONNEN)],
        ).fetchall()
        rejected = con.execute(
            "SELECT relative_path, reason FROM raw.deliveries WHERE status = 'rejected' ORDER BY relative_path"
        ).fetchall()
        reasons = con.execute(
            """
            SELECT bron, bestand, file_name, row_number, array_to_string(reasons, '; ')
            FROM raw.quarantine ORDER BY bron, file_name, row_number
            """
        ).fetchall()
        skipped = con.execute(
            "SELECT path, reason FROM raw.landing_scan WHERE kind = 'overgeslagen' ORDER BY path"
        ).fetchall()
    finally:
        con.close()
    parts = [
        *runs_section(db_path.parent, newest_load),
        "",
        "Leveringen per bron",
        format_table(
            ["bron", "geladen", "geweigerd", "laatste_peildatum", "rijen_gelezen", "rijen_geladen", "rijen_quarantaine"],
            per_bron,
        ),
    ]
    if rejected:
        parts += ["", f"Geweigerde bestanden ({len(rejected)})", format_table(["bestand", "reden"], rejected)]
    if reasons:
        shown = reasons if max_quarantine_rows is None else reasons[:max_quarantine_rows]
        parts += ["", f"Rijen in quarantaine ({len(reasons)})",
                  format_table(["bron", "bestand", "file", "rij", "redenen"], shown)]
        if len(shown) < len(reasons):
            parts.append(f"... en nog {len(reasons) - len(shown)}: `lvv-monitor status` toont ze allemaal")
    if skipped:
        parts += ["", f"Overgeslagen in de landingsmap ({len(skipped)})", format_table(["pad", "waarom"], skipped)]
    return "\n".join(parts)
