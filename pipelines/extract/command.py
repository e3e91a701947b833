"""`lvv-monitor extract`: write an evaluation extract for the WODC from the published file.

Wire it into the CLI with `register(commands)` on the subparsers of `lvv-monitor`; the parser it
adds has `handler=run` as a default, so `args.handler(args)` runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.arguments import iso_date
from pipelines.config import PUBLISHED_DB_NAME, published_db_path

DESCRIPTION = f"""\
Write an evaluation extract for the WODC at a peildatum, reading ONLY the published file
<warehouse>/{PUBLISHED_DB_NAME} (never the pipeline database). The package in --out holds:

  verblijven               microdata: one row per stay started on or before the peildatum,
                           with an extract-only pseudonym, k-anonymous (k = 5) on pilot, age
                           band, sex, nationality group, instroom/uitstroom period, days, in_doelgroep
  monitor_peildatum        the monitor table at the peildatum      }} cells under 10 suppressed,
  instroom_per_kwartaal    instroom per pilot x quarter            }} plus complementary
  uitstroom_per_kwartaal   uitstroom per pilot x quarter x category}} suppression
  onderdrukte_cellen, sdc_rapport, codeboek
                           what was suppressed, what the disclosure control changed, every column

every table as Parquet and CSV, plus CODEBOOK.md, README.md and manifest.json (sha256 of every
file, the parameters, the code version and the deliveries used).

Outside demo mode LVV_PSEUDONYM_KEY must be set, as for the nightly run.
"""

EPILOG = """\
examples:
  lvv-monitor extract --peildatum 2020-11-01 --out /srv/lvv/extracts/wodc-2020-11-01
  lvv-monitor extract --warehouse ./data/warehouse --peildatum 2021-02-01 --out ./extract --demo
"""



def register(subparsers) -> argparse.ArgumentParser:
    """Add the `extract` subcommand to the `lvv-monitor` subparsers and return its parser."""
    parser = subparsers.add_parser(
        "extract",
        help="write a pseudonymized, disclosure-controlled extract for the WODC",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--warehouse", type=Path,
                        help=f"warehouse folder holding {PUBLISHED_DB_NAME} (default: $LVV_WAREHOUSE or ./data/warehouse)")
    parser.add_argument("--peildatum", type=iso_date, required=True, metavar="YYYY-MM-DD",
                        help="the date the extract describes: stays started on or before it, events dated on or before it; "
                             "at most the newest delivery's peildatum")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to write the package into; must be new or empty")
    parser.add_argument("--demo", action="store_true",
                        help="demo mode (LVV_DEMO=1): no LVV_PSEUDONYM_KEY needed, the package is marked as demo")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run `lvv-monitor extract`; returns the exit code (0 ok, 2 refused or failed)."""
    from pipelines.config import warehouse_from_env
    from pipelines.extract import ExtractError, write_extract
    from pipelines.peildata import PeildatumBuitenBereik, check_peildatum
    from pipelines.pseudonym import MissingPseudonymKey

    warehouse = args.warehouse.resolve() if args.warehouse else warehouse_from_env()
    published = published_db_path(warehouse)
    if not published.is_file():
        print(f"fout: gepubliceerd bestand {published} bestaat niet. Draai eerst `lvv-monitor run`, "
              "of geef --warehouse DIR.", file=sys.stderr)
        return 2
    try:
        check_peildatum(published, args.peildatum)
    except PeildatumBuitenBereik as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    try:
        manifest = write_extract(published, args.peildatum, args.out, demo=True if args.demo else None,
                                 progress=lambda message: print(f"  {message}", file=sys.stderr, flush=True))
    except MissingPseudonymKey as exc:
        print(f"fout: {exc}", file=sys.stderr)
        if _is_demo_publication(published):
            # As `report` reads is_demo: say that this is a demo file and how to extract it.
            print("  Dit gepubliceerde bestand is een DEMO (marts.publicatie.is_demo); een extract ervan maakt u "
                  "met --demo (of LVV_DEMO=1), zonder echte sleutel.", file=sys.stderr)
        return 2
    except ExtractError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    sdc = manifest.disclosure_control
    print(f"Extract op peildatum {manifest.peildatum}: {manifest.path}" + ("  [DEMO]" if manifest.is_demo else ""))
    print(f"  verblijven: {sdc['records_uit']} van {sdc['records_in']} records, "
          f"{sdc['records_met_onderdrukte_kenmerken']} met onderdrukte kenmerken, {sdc['records_verwijderd']} verwijderd")
    print("  precisie: " + ", ".join(f"{k} = {v}" for k, v in sdc["generalisatie"].items()))
    print(f"  tabellen: {sdc['cellen_primair_onderdrukt']} cellen primair en "
          f"{sdc['cellen_secundair_onderdrukt']} secundair onderdrukt")
    print(f"  {len(manifest.files) + 1} bestanden; manifest.json heeft van elk de sha256")
    return 0


def _is_demo_publication(published: Path) -> bool:
    """What the published file says about itself (marts.publicatie.is_demo), as `report` reads it."""
    import duckdb

    try:
        con = duckdb.connect(str(published), read_only=True)
        try:
            return bool(con.execute("SELECT bool_or(is_demo) FROM marts.publicatie").fetchall()[0][0])
        finally:
            con.close()
    except duckdb.Error:
        return False
