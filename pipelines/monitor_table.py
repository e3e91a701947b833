"""The monitor table of MONITOR.md at any peildatum (`lvv-monitor monitor`).

Reads the published file `monitor.duckdb` when it exists (what analysts see), else the marts of
the pipeline database. The figures come from the warehouse's own table macro
`marts.monitor_op(peildatum, as_reported)`, so the command line and SQL can never disagree.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import PIPELINE_DB_NAME, PUBLISHED_DB_NAME
from pipelines.report.labels import MONITOR_KOLOMMEN
from pipelines.textual import format_csv, format_table

# The monitor's columns are declared once, with their labels (pipelines/report/labels.py); the
# macro `marts.monitor_op` and fct_monitor's YAML carry the same list (tests/test_one_fact_one_place.py).
MONITOR_COLUMNS = ("gemeente", *MONITOR_KOLOMMEN)


def warehouse_database(warehouse: Path) -> Path:
    for name in (PUBLISHED_DB_NAME, PIPELINE_DB_NAME):
        if (warehouse / name).exists():
            return warehouse / name
    raise FileNotFoundError(
        f"geen {PUBLISHED_DB_NAME} of {PIPELINE_DB_NAME} in {warehouse}; draai eerst `lvv-monitor run` "
        "of geef met --warehouse de juiste map op"
    )


def newest_peildatum(warehouse: Path) -> date | None:
    """The newest knowledge state's date: the peildatum a nightly run reports on."""
    con = duckdb.connect(str(warehouse_database(warehouse)), read_only=True)
    try:
        rows = con.execute(
            "SELECT max(tot_en_met) FROM marts.dim_monitor_kennisstanden WHERE kennisstand <> 'nieuwste'"
        ).fetchall()
    finally:
        con.close()
    return rows[0][0] if rows else None


def monitor_rows(warehouse: Path, peildatum: date, as_reported: bool = False) -> list[dict]:
    """One dict per pilot in the contract's order, `totaal` last, keyed by MONITOR.md's columns."""
    con = duckdb.connect(str(warehouse_database(warehouse)), read_only=True)
    try:
        columns = ", ".join(MONITOR_COLUMNS)
        rows = con.execute(
            f"SELECT {columns} FROM marts.monitor_op(CAST(? AS DATE), ?)", [peildatum, as_reported]
        ).fetchall()
    finally:
        con.close()
    return [dict(zip(MONITOR_COLUMNS, (int(v) if isinstance(v, int) else v for v in row))) for row in rows]


def render(rows: list[dict], fmt: str, peildatum: date, as_reported: bool) -> str:
    values = [[row[c] for c in MONITOR_COLUMNS] for row in rows]
    if fmt == "csv":
        return format_csv(MONITOR_COLUMNS, values)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    mode = "zoals gerapporteerd" if as_reported else "nieuwste leveringen"
    title = f"Landelijke monitor LVV, peildatum {peildatum.isoformat()} ({mode})"
    return f"{title}\n\n{_transposed_table(rows)}"


def _transposed_table(rows: list[dict]) -> str:
    """MONITOR.md's columns as rows and the pilots (then `totaal`) as columns: twenty numeric
    columns side by side need ~290 characters, this fits 100 (the CSV and JSON keep the
    contract's own layout)."""
    headers = ["kolom"] + [str(row["gemeente"]) for row in rows]
    lines = [[column] + [row[column] for row in rows] for column in MONITOR_COLUMNS if column != "gemeente"]
    return format_table(headers, lines)
