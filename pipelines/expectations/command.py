"""`lvv-monitor deviations`: every deviation from the agreements, the national records and the
delivery rules, as listed in `marts.fct_afwijkingen`.

Wiring (pipelines/cli.py): `register(commands)` in `build_parser`; `register` sets
`handler=command_deviations`, which `main` dispatches on.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pipelines.arguments import iso_date
from pipelines.config import PIPELINE_DB_NAME, PUBLISHED_DB_NAME
from pipelines.pilots import pilot_names

NATIONAL_SOURCES = {"ind": "IND", "dtv": "DT&V"}
ERNST_ORDER = {"fout": 0, "waarschuwing": 1}

DESCRIPTION = f"""\
List every deviation the nightly checks found (marts.fct_afwijkingen): stays outside the target
group of the convenant (by reason), safe-country persons beyond the agreed term, pilots above
capacity, asylum procedures during a stay, persons in two pilots at once, returns to a BBB;
outflows the IND or DT&V do not confirm, unlinked persons, v_nummers of someone else; and data
errors: impossible dates, overlapping stays, events outside their stay, stale, truncated or
heavily quarantined deliveries, rejected files.

Each row names the pilot (or IND / DT&V), the kind, the severity (`fout`: the figures would be
wrong and the run does not publish; `waarschuwing`: flagged), the date since which it holds, the
record it concerns by its pseudonymized key (persoon_key, verblijf_key) or the file name, and an
explanation. No identifiers: a pilot finds its cases by looking the keys up in its own list.

Reads WAREHOUSE/{PUBLISHED_DB_NAME} (the published file) when it exists, else WAREHOUSE/{PIPELINE_DB_NAME}.
After a run that did not publish (a blocking check failed), --pipeline shows that run's list.
"""

EPILOG = """\
examples:
  lvv-monitor deviations                                   everything, newest state
  lvv-monitor deviations --gemeente Utrecht --peildatum 2020-11-01
  lvv-monitor deviations --ernst fout --pipeline           what stopped the last run
  lvv-monitor deviations --format csv > afwijkingen.csv
"""



def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `deviations` subcommand to the CLI's subparsers; returns its parser."""
    parser = subparsers.add_parser(
        "deviations", aliases=["afwijkingen"],
        help="list the deviations from the convenant, the national records and the delivery rules",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--warehouse", type=Path, metavar="DIR",
                        help="warehouse folder (default: $LVV_WAREHOUSE or ./data/warehouse)")
    parser.add_argument("--peildatum", type=iso_date, metavar="YYYY-MM-DD",
                        help="only deviations that already held on this date (sinds on or before it)")
    parser.add_argument("--gemeente", metavar="NAME",
                        help=f"only this pilot ({', '.join(pilot_names().values())}) or source (IND, DT&V)")
    parser.add_argument("--ernst", choices=["fout", "waarschuwing"], help="only this severity")
    parser.add_argument("--soort", metavar="SOORT", help="only this kind (e.g. GEZIN, boven_capaciteit, levering_verouderd)")
    parser.add_argument("--format", choices=["table", "csv"], default="table",
                        help="table (for people, default) or csv (plain, header row, for scripts)")
    parser.add_argument("--pipeline", action="store_true",
                        help=f"read the pipeline database ({PIPELINE_DB_NAME}) instead of the published file: the list of "
                             "the last run, also when it did not publish")
    parser.set_defaults(handler=command_deviations)
    return parser


def choose_database(warehouse: Path, pipeline: bool = False) -> tuple[Path, str | None]:
    """The file to read and, when the published file may be older than the last run, a note."""
    published, restricted = warehouse / PUBLISHED_DB_NAME, warehouse / PIPELINE_DB_NAME
    if pipeline:
        if not restricted.exists():
            raise FileNotFoundError(f"geen {PIPELINE_DB_NAME} in {warehouse}; draai eerst `lvv-monitor run`")
        return restricted, None
    if published.exists():
        note = None
        if restricted.exists() and restricted.stat().st_mtime > published.stat().st_mtime + 1:
            note = (f"let op: {PIPELINE_DB_NAME} is nieuwer dan {PUBLISHED_DB_NAME}; de laatste run is mogelijk niet "
                    "gepubliceerd. --pipeline toont de afwijkingen van die run.")
        return published, note
    if restricted.exists():
        return restricted, None
    raise FileNotFoundError(f"geen {PUBLISHED_DB_NAME} of {PIPELINE_DB_NAME} in {warehouse}; draai eerst `lvv-monitor run` "
                            "of geef met --warehouse de juiste map op")


def read_deviations(database: Path, *, peildatum: date | None = None, gemeente: str | None = None,
                    ernst: str | None = None, soort: str | None = None) -> list[dict]:
    """The rows of marts.fct_afwijkingen with the pilot's name, filtered and in a stable order."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'").fetchall()}
        if "fct_afwijkingen" not in tables:
            raise LookupError(f"{database} heeft geen marts.fct_afwijkingen; draai `lvv-monitor run` met deze versie")
        pilots = {}
        if "dim_pilot" in tables:
            pilots = {b: (g, v) for b, g, v in con.execute("SELECT bron, gemeente, volgorde FROM marts.dim_pilot").fetchall()}
        result = con.execute(
            "SELECT bron, soort, ernst, persoon_key, verblijf_key, bestand, sinds, uitleg FROM marts.fct_afwijkingen"
        )
        columns = [d[0] for d in result.description]
        rows = [dict(zip(columns, row)) for row in result.fetchall()]
    finally:
        con.close()
    names = {b: g for b, (g, _) in pilots.items()} | NATIONAL_SOURCES
    order = {b: v for b, (_, v) in pilots.items()}
    if gemeente:
        wanted = resolve_gemeente(gemeente, names)
        rows = [r for r in rows if r["bron"] == wanted]
    if peildatum:
        rows = [r for r in rows if r["sinds"] is None or r["sinds"] <= peildatum]
    if ernst:
        rows = [r for r in rows if r["ernst"] == ernst]
    if soort:
        known = {k.lower(): k for k in list(_titles()) + [r["soort"] for r in rows]}
        if soort.lower() not in known:
            raise ValueError(f"onbekende soort '{soort}'; kies uit: {', '.join(sorted(known.values(), key=str.lower))}")
        rows = [r for r in rows if r["soort"].lower() == soort.lower()]
    for row in rows:
        row["gemeente"] = names.get(row["bron"], row["bron"])
    rows.sort(key=lambda r: (order.get(r["bron"], 99), r["bron"], ERNST_ORDER.get(r["ernst"], 9), r["soort"],
                             r["sinds"] or date.min, r["verblijf_key"] or "", r["persoon_key"] or "", r["bestand"] or ""))
    return rows


def resolve_gemeente(name: str, names: dict[str, str]) -> str:
    """The bron for a pilot or source name (case-insensitive, by code or by name)."""
    wanted = name.strip().lower()
    for bron, label in names.items():
        if wanted in (bron.lower(), label.lower()):
            return bron
    known = ", ".join(names.values())
    raise ValueError(f"onbekende gemeente of bron '{name}'; kies uit: {known}")


def _titles() -> dict[str, str]:
    try:
        from pipelines.expectations.suites import soorten

        return {soort: info.titel for soort, info in soorten().items()}
    except Exception:  # noqa: BLE001 - the list works without the suites' titles
        return {}


def render(rows: list[dict], fmt: str, database: Path) -> str:
    from pipelines.textual import format_csv

    titles = _titles()
    if fmt == "csv":
        headers = ["bron", "gemeente", "soort", "titel", "ernst", "persoon_key", "verblijf_key", "bestand", "sinds", "uitleg"]
        return format_csv(headers, [[r["bron"], r["gemeente"], r["soort"], titles.get(r["soort"], r["soort"]), r["ernst"],
                                     r["persoon_key"], r["verblijf_key"], r["bestand"],
                                     r["sinds"].isoformat() if r["sinds"] else None, r["uitleg"]] for r in rows])
    fouten = sum(r["ernst"] == "fout" for r in rows)
    head = (f"Afwijkingen: {len(rows)} ({fouten} fout, {len(rows) - fouten} waarschuwing)\nuit {database}"
            if rows else f"Geen afwijkingen (met deze selectie)\nuit {database}")
    if not rows:
        return head
    return head + "\n\n" + "\n\n".join(_block(r) for r in rows)


def _block(row: dict) -> str:
    """One deviation as a short block that fits 100 columns (eight columns side by side, with
    the explanation, were ~320 wide): what and since when, the keys and file, the explanation."""
    import textwrap

    from pipelines.textual import MAX_WIDTH

    first = " · ".join(str(v) for v in (row["gemeente"], row["ernst"], row["soort"]) if v)
    if row["sinds"]:
        first += f" · sinds {row['sinds'].isoformat()}"
    keys = " · ".join(f"{label} {row[key]}" for label, key in
                      (("verblijf", "verblijf_key"), ("persoon", "persoon_key"), ("bestand", "bestand")) if row[key])
    lines = [first] + ([f"  {keys}"] if keys else [])
    lines += textwrap.wrap(str(row["uitleg"] or ""), MAX_WIDTH, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


def command_deviations(args: argparse.Namespace) -> int:
    from pipelines.config import warehouse_from_env

    warehouse = args.warehouse.resolve() if args.warehouse else warehouse_from_env()
    try:
        database, note = choose_database(warehouse, args.pipeline)
        rows = read_deviations(database, peildatum=args.peildatum, gemeente=args.gemeente, ernst=args.ernst,
                               soort=args.soort)
    except (FileNotFoundError, LookupError, ValueError) as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    if note:
        print(note, file=sys.stderr)
    output = render(rows, args.format, database)
    print(output, end="" if args.format == "csv" else "\n")
    return 0
