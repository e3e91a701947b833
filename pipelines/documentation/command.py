"""`lvv-monitor docs`: write dbt's documentation site (one offline HTML file) into the warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `docs` subcommand to the CLI's subparsers; returns its parser."""
    parser = subparsers.add_parser(
        "docs", help="write dbt's documentation (one offline HTML file) into WAREHOUSE/docs/",
        description="Write dbt's documentation site as one static file (dbt docs generate --static) into "
        "WAREHOUSE/docs/index.html: every model and column with its description and the lineage from the "
        "raw zone to the marts. It opens in a browser without a server or the internet and holds no data.",
    )
    parser.add_argument("--warehouse", type=Path, metavar="DIR",
                        help="warehouse folder (default: $LVV_WAREHOUSE or ./data/warehouse)")
    parser.set_defaults(handler=command_docs)
    return parser


def command_docs(args: argparse.Namespace) -> int:
    from pipelines.config import warehouse_from_env
    from pipelines.documentation import DocsError, NoPipelineDatabase, write_dbt_docs

    warehouse = args.warehouse.resolve() if args.warehouse else warehouse_from_env()
    try:
        path = write_dbt_docs(warehouse)
    except DocsError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, NoPipelineDatabase) else 1
    print(f"dbt-documentatie geschreven: {path}")
    return 0
