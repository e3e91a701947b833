"""One rule for the peildatum of `monitor`, `report` and `extract`, and one set of exit codes.

A peildatum is accepted from the start of the pilots (`PROGRAMMASTART`, 1 April 2019) up to
and including the newest delivery peildatum of the file read (`marts.publicatie.
nieuwste_peildatum`, else the newest knowledge state): before the start there is nothing to
count, after the newest delivery the figures would silently repeat the last known state as if
it were news. A date outside is refused with exit code 2, saying which range is allowed.

Exit codes of every `lvv-monitor` command:

| code | meaning |
|---|---|
| 0 | done |
| 1 | the work failed (a run that did not publish, a report that could not be made) |
| 2 | refused before any work: a wrong option or value, a missing file, a peildatum outside the range, no key |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

PROGRAMMASTART = date(2019, 4, 1)
EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


class PeildatumBuitenBereik(ValueError):
    """The peildatum lies outside what the file can answer."""


def newest_peildatum(database: Path) -> date | None:
    """The newest delivery peildatum of a published (or pipeline) database, or None if unknown."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        for query in (
            "SELECT nieuwste_peildatum FROM marts.publicatie",
            "SELECT max(tot_en_met) FROM marts.dim_monitor_kennisstanden WHERE kennisstand <> 'nieuwste'",
            "SELECT max(peildatum) FROM marts.fct_monitor",
        ):
            try:
                value = con.execute(query).fetchall()
            except duckdb.Error:
                continue
            if value and isinstance(value[0][0], date):
                return value[0][0]
    finally:
        con.close()
    return None


def check_peildatum(database: Path, peildatum: date) -> None:
    """Raise `PeildatumBuitenBereik` unless PROGRAMMASTART <= peildatum <= the newest peildatum."""
    newest = newest_peildatum(database)
    allowed = f"kies een peildatum van {PROGRAMMASTART.isoformat()} t/m {newest.isoformat() if newest else 'de nieuwste levering'}"
    if peildatum < PROGRAMMASTART:
        raise PeildatumBuitenBereik(f"peildatum {peildatum.isoformat()} ligt vóór de start van de pilots; {allowed}")
    if newest is not None and peildatum > newest:
        raise PeildatumBuitenBereik(
            f"peildatum {peildatum.isoformat()} ligt na de nieuwste levering ({newest.isoformat()}); {allowed}")
