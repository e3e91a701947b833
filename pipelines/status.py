"""What the raw zone has received: deliveries and quarantine per bron (`lvv-monitor status`)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.textual import format_table


def open_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise FileNotFoundError(
            f"geen pijplijndatabase gevonden op {db_path}; draai eerst `lvv-monitor run` "
            "of geef met --warehouse de juiste map op"
        )
    return duckdb.connect(str(db_path), read_only=True)


def status_report(db_path: Path, max_quarantine_rows: int | None = None) -> str:
    con = open_read_only(db_path)
    try:
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
            ORDER BY list_position(['amsterdam','rotterdam','utrecht','groningen','eindhoven','ind','dtv'], bron)
            """
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
