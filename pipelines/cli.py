"""`lvv-monitor`: run the monitor, see what arrived, write demo feeds.

Paths come from --landing/--warehouse, else from LVV_LANDING/LVV_WAREHOUSE, else
./data/landing and ./data/warehouse. A bare `lvv-monitor run` on a machine without a landing
folder writes the demo feeds there first, so it always shows something.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from datetime import date
from pathlib import Path

from pipelines.arguments import iso_date, positive_int
from pipelines.config import (
    DEFAULT_LANDING,
    PUBLISHED_DB_NAME,
    landing_from_env,
    pipeline_db_path,
    published_db_path,
    warehouse_from_env,
)

LETTER_PEILDATUM = date(2020, 11, 1)
EXIT_LOCKED = 3  # another run holds the warehouse; try again later

EPILOG = """
environment:
  LVV_LANDING     landing folder (default ./data/landing)
  LVV_WAREHOUSE   warehouse folder (default ./data/warehouse)
  LVV_PSEUDONYM_KEY  secret for the pseudonyms (required outside demo mode)
  LVV_DEMO        1 = demo mode: visible demo key, outputs marked as demo (as --demo)

examples:
  lvv-monitor run                          demo feeds into ./data/landing (if empty) and run
  lvv-monitor run --landing /srv/lvv/landing --warehouse /srv/lvv/warehouse
  lvv-monitor status --warehouse /srv/lvv/warehouse
  lvv-monitor monitor --peildatum 2020-11-01 --format csv
  lvv-monitor deviations --gemeente Utrecht --peildatum 2020-11-01
  lvv-monitor demo --landing /tmp/landing --scale 10
"""


class ProgressPrinter(logging.Handler):
    """Prints the run's messages with the time since the start: the progress of `run`."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        elapsed = time.monotonic() - self.started
        marker = "!" if record.levelno >= logging.WARNING else " "
        print(f"[{elapsed:6.1f}s]{marker} {record.getMessage()}", file=sys.stderr, flush=True)


def _add_path_options(parser: argparse.ArgumentParser, landing: bool = True) -> None:
    if landing:
        parser.add_argument("--landing", type=Path, help="landing folder (default: $LVV_LANDING or ./data/landing)")
    parser.add_argument("--warehouse", type=Path, help="warehouse folder (default: $LVV_WAREHOUSE or ./data/warehouse)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lvv-monitor",
        description="Landelijke monitor LVV: ingest the deliveries of the five pilots, the IND and "
        "the DT&V, reconcile them and build the monitor in DuckDB.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the whole asset graph in-process (ingest, dbt build, checks)",
        description="Run every asset of the monitor in this process, with progress per stage. "
        "One run per warehouse at a time. Exit codes: 0 done, 1 the run failed (the failing step "
        "and its reason are printed; nothing of it is published), 2 bad arguments or paths, "
        "3 another run is busy on this warehouse (its PID is printed).",
    )
    _add_path_options(run)
    run.add_argument("--demo", action="store_true", help="write the synthetic demo feeds into the landing folder first")
    run.add_argument("--seed", type=int, default=20201117, help="seed for --demo (default 20201117)")
    run.add_argument("--scale", type=positive_int, default=1, help="population multiplier for --demo (default 1)")
    run.add_argument("--force", action="store_true",
                     help="rebuild even when nothing changed since the last good publish (default: such a night is "
                     "recorded as overgeslagen and ends in seconds)")

    status = commands.add_parser(
        "status", help="last runs, deliveries and quarantine per bron",
        description="Show the last runs and their outcome (geslaagd, mislukt with its step, loopt "
        f"nog, or niet afgemaakt for a run that was killed), whether the published {PUBLISHED_DB_NAME} "
        "is behind the raw zone, and what the raw zone has received: deliveries per bron, rejected "
        "files with their reason, rows in quarantine with every reason, and what the landing scan "
        "skipped (docs/senders.md lists every reason).",
    )
    _add_path_options(status, landing=False)

    demo = commands.add_parser(
        "demo", help="write synthetic demo feeds (about 1,400 persons) into a landing folder",
        description="Write synthetic deliveries of all seven sources at several peildata, in the "
        "messy-but-valid formats the contract allows. Deterministic for a seed.",
    )
    demo.add_argument("--landing", type=Path, help="landing folder to write into (default: $LVV_LANDING or ./data/landing)")
    demo.add_argument("--seed", type=int, default=20201117, help="random seed (default 20201117)")
    demo.add_argument("--scale", type=positive_int, default=1, help="multiply the population by N, for benchmarks (default 1)")
    monitor = commands.add_parser(
        "monitor", help="the monitor table of MONITOR.md at a peildatum",
        description="Print the monitor table: one row per pilot in the contract's order and `totaal` "
        "last, with exactly the columns of MONITOR.md. By default the newest deliveries count "
        "(corrections included); --as-reported uses only deliveries whose peildatum is on or before "
        "the peildatum, so a past figure is reproduced exactly as it was known then.",
    )
    _add_path_options(monitor, landing=False)
    monitor.add_argument("--peildatum", type=iso_date, required=True, help="the date of the figures, YYYY-MM-DD")
    monitor.add_argument("--as-reported", action="store_true", help="only deliveries with a peildatum on or before --peildatum")
    monitor.add_argument("--format", choices=["table", "csv", "json"], default="table",
                         help="table (for people, default), csv (plain, header row, for scripts) or json")

    # Subcommands that live with their package; each sets its own `handler`.
    from pipelines.documentation.command import register as register_docs
    from pipelines.expectations.command import register as register_deviations
    from pipelines.extract.command import register as register_extract
    from pipelines.report.command import register as register_report

    register_deviations(commands)
    register_report(commands)
    register_extract(commands)
    register_docs(commands)
    return parser



def _resolve_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    landing = (args.landing.resolve() if getattr(args, "landing", None) else landing_from_env())
    warehouse = args.warehouse.resolve() if getattr(args, "warehouse", None) else warehouse_from_env()
    return landing, warehouse


def write_demo(landing: Path, seed: int, scale: int) -> dict:
    from pipelines.demo import write_demo_feeds

    print(f"Demo-leveringen schrijven naar {landing} (seed {seed}, scale {scale})", file=sys.stderr)
    return write_demo_feeds(landing, seed=seed, scale=scale, progress=lambda m: print(f"  {m}", file=sys.stderr))


def _is_default_landing(landing: Path) -> bool:
    return not os.environ.get("LVV_LANDING") and landing == DEFAULT_LANDING.resolve()


def command_run(args: argparse.Namespace) -> int:
    """Hold the warehouse's run lock for the whole command, so not even the demo feeds are written
    while another run is busy (`run_monitor` takes the same lock again: it is re-entrant)."""
    from pipelines import runs

    landing, warehouse = _resolve_paths(args)
    try:
        with runs.locked(warehouse):
            return _run_holding_the_lock(args, landing, warehouse)
    except runs.RunLocked as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return EXIT_LOCKED


def _run_holding_the_lock(args: argparse.Namespace, landing: Path, warehouse: Path) -> int:
    demo = args.demo or (_is_default_landing(landing) and not args.landing and not any(landing.glob("*/*")))
    if demo:
        write_demo(landing, args.seed, args.scale)
    elif not landing.is_dir():
        print(f"fout: landingsmap {landing} bestaat niet. Geef --landing DIR of zet LVV_LANDING.", file=sys.stderr)
        return 2
    from pipelines.pseudonym import key_problem
    from pipelines.runner import run_monitor

    # Demo feeds: demo mode (the visible demo pseudonym key; outputs marked as demo), passed on to
    # the run; otherwise LVV_DEMO decides, as it does for the daemon's runs.
    demo_mode = True if demo else None
    if problem := key_problem(demo_mode):  # before any work: no run that dies at the linkage for want of a key
        print(f"fout: {problem}", file=sys.stderr)
        return 2
    outcome = run_monitor(landing, warehouse, force=args.force, demo=demo_mode)
    if not outcome.success:
        print(f"\nDe run is MISLUKT in stap '{outcome.failed_step}':\n  {outcome.error}", file=sys.stderr)
        print("Niets is gepubliceerd uit deze run. Los de oorzaak op en draai opnieuw; "
              "`lvv-monitor status` laat zien wat er binnenkwam.", file=sys.stderr)
        return 1
    from pipelines.monitor_table import monitor_rows, newest_peildatum, render
    from pipelines.status import status_report

    print(status_report(pipeline_db_path(warehouse), max_quarantine_rows=20))
    # The demo is calibrated on the letter of 17 November 2020: show its peildatum.
    peildatum = LETTER_PEILDATUM if demo else newest_peildatum(warehouse)
    if peildatum:
        print("\n" + render(monitor_rows(warehouse, peildatum), "table", peildatum, as_reported=False))
    print(f"\nKlaar in {outcome.seconds:.1f}s. Gepubliceerd voor analisten: {published_db_path(warehouse)}")
    reports = sorted((warehouse / "rapport").glob("monitor_*.html"))
    if reports:
        print(f"Rapport: {reports[-1]}")
    print("Meer: `lvv-monitor status`, `lvv-monitor monitor --peildatum JJJJ-MM-DD`, `lvv-monitor --help`.")
    return 0


def command_status(args: argparse.Namespace) -> int:
    from pipelines.status import status_report

    _, warehouse = _resolve_paths(args)
    try:
        print(status_report(pipeline_db_path(warehouse)))
    except FileNotFoundError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    return 0


def command_demo(args: argparse.Namespace) -> int:
    landing, _ = _resolve_paths(args)
    summary = write_demo(landing, args.seed, args.scale)
    print(f"Klaar: {summary.get('files', '?')} bestanden in {landing}")
    return 0


def command_monitor(args: argparse.Namespace) -> int:
    from pipelines.monitor_table import monitor_rows, render, warehouse_database
    from pipelines.peildata import PeildatumBuitenBereik, check_peildatum

    _, warehouse = _resolve_paths(args)
    try:
        check_peildatum(warehouse_database(warehouse), args.peildatum)
        rows = monitor_rows(warehouse, args.peildatum, args.as_reported)
    except (FileNotFoundError, PeildatumBuitenBereik) as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    print(render(rows, args.format, args.peildatum, args.as_reported), end="" if args.format == "csv" else "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = ProgressPrinter()
    logger = logging.getLogger("lvv_monitor")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    warnings.filterwarnings("ignore")  # library deprecation chatter is not for users of this command
    try:
        commands = {"run": command_run, "status": command_status, "demo": command_demo, "monitor": command_monitor}
        command = commands.get(args.command) or args.handler  # subcommands registered by their package
        code = command(args)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        print("\nafgebroken", file=sys.stderr)
        return 130
    finally:
        logger.removeHandler(handler)


def _closed_pipe() -> int:
    """The reader of our output went away (`lvv-monitor monitor ... | head -1`): stop quietly.

    Python's advice: point stdout at /dev/null so the flush at exit does not raise again; the
    exit code is the shell's for a command ended by SIGPIPE (128 + 13)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
