"""`lvv-monitor report`: write the monitor report for a peildatum as one HTML file.

Wiring (pipelines/cli.py): `register(commands)` in `build_parser`, and `"report": command_report`
in the dispatch of `main` (or dispatch on `args.handler`, which `register` sets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.arguments import iso_date
from pipelines.config import PUBLISHED_DB_NAME

DESCRIPTION = f"""\
Write the report of the landelijke monitor at a peildatum: one self-contained HTML file (inline
CSS and SVG charts, no network needed to open it) with the monitor table, the comparison with the
previous peildatum, the bestendige oplossingen, the scenarios, per pilot the instroom, uitstroom
and occupancy against capacity, the out-of-scope populations and other deviations, and the
definitions and data sources in plain Dutch. It reads only the published file {PUBLISHED_DB_NAME}.
"""

EPILOG = """\
comparison:
  By default the report compares with the previous delivery peildatum (the last time the pilots
  reported), shown as reported then and with the newest deliveries; when the published file does
  not reveal the delivery peildata, with one month earlier. --previous chooses another date.

examples:
  lvv-monitor report                                   newest peildatum, into WAREHOUSE/rapport/
  lvv-monitor report --peildatum 2020-11-01 --out rapport-2020-11-01.html
  lvv-monitor report --warehouse /srv/lvv/warehouse --peildatum 2021-02-01 --previous 2020-11-01
"""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `report` subcommand to the CLI's subparsers; returns its parser."""
    parser = subparsers.add_parser(
        "report", help="write the monitor report (one self-contained HTML file) for a peildatum",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--warehouse", type=Path, metavar="DIR",
                        help=f"warehouse folder holding {PUBLISHED_DB_NAME} (default: $LVV_WAREHOUSE or ./data/warehouse)")
    parser.add_argument("--peildatum", type=iso_date, metavar="YYYY-MM-DD",
                        help="the peildatum of the report (default: the newest peildatum in the published file)")
    parser.add_argument("--out", type=Path, metavar="FILE.html",
                        help="the HTML file to write (default: WAREHOUSE/rapport/monitor_YYYY-MM-DD.html)")
    parser.add_argument("--previous", "--vorige", dest="previous", type=iso_date, metavar="YYYY-MM-DD",
                        help="compare with this peildatum (default: the previous delivery peildatum)")
    parser.add_argument("--demo", action=argparse.BooleanOptionalAction, default=None,
                        help="mark the report as DEMO (synthetic data), or not; default: what the published "
                             "file says (marts.publicatie.is_demo), else not")
    parser.add_argument("--as-reported", "--zoals-gerapporteerd", dest="as_reported", action="store_true",
                        help="show the monitor table as it was reported then (only deliveries whose peildatum "
                             "is on or before the peildatum) instead of the newest deliveries")
    parser.add_argument("--published", type=Path, metavar="FILE",
                        help=f"read this published file (a {PUBLISHED_DB_NAME}, e.g. a copy) "
                             f"instead of WAREHOUSE/{PUBLISHED_DB_NAME}")
    parser.set_defaults(handler=command_report)
    return parser


def command_report(args: argparse.Namespace) -> int:
    from pipelines.config import warehouse_from_env
    from pipelines.report import ReportDataError, default_report_path, newest_peildatum, write_report

    warehouse = args.warehouse.resolve() if args.warehouse else warehouse_from_env()
    database = args.published.resolve() if args.published else warehouse / PUBLISHED_DB_NAME
    if not database.is_file():
        print(f"fout: gepubliceerd bestand {database} bestaat niet. Draai eerst `lvv-monitor run`, "
              "of geef --warehouse DIR of --published FILE.", file=sys.stderr)
        return 2
    from pipelines.peildata import PeildatumBuitenBereik, check_peildatum

    try:
        for chosen in (args.peildatum, args.previous):
            if chosen is not None:
                check_peildatum(database, chosen)
    except PeildatumBuitenBereik as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    try:
        peildatum = args.peildatum or newest_peildatum(database)
        out = args.out or default_report_path(warehouse, peildatum)
        path = write_report(database, peildatum, out, args.previous, demo=args.demo, as_reported=args.as_reported)
    except ReportDataError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    print(f"Rapport op peildatum {peildatum.isoformat()} geschreven: {path}")
    return 0
