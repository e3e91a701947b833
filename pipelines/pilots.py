"""The pilots of the programme, read from their one home: `seeds/pilots.csv`.

dbt loads the same file as the seed behind `marts.dim_pilot`, so adding a municipality is a row
there (plus its feed formats); every Python list of pilots, their names, capacities and order
is derived here. tests/test_one_fact_one_place.py fails when a copy of the list reappears.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from pipelines.config import SEEDS_DIR

PILOTS_SEED = SEEDS_DIR / "pilots.csv"


@dataclass(frozen=True)
class Pilot:
    """One row of seeds/pilots.csv."""

    bron: str  # folder name in the landing, and `bron` everywhere in the warehouse
    gemeentecode: str
    gemeente: str  # the municipality's name, as printed
    capaciteit: int  # agreed places
    volgorde: int  # order of the contract (FEEDS.md), also the order of every table


@cache
def pilots() -> tuple[Pilot, ...]:
    """All pilots, in the contract's order (`volgorde`)."""
    with PILOTS_SEED.open(newline="", encoding="utf-8") as handle:
        rows = [
            Pilot(row["bron"], row["gemeentecode"], row["gemeente"], int(row["capaciteit"]), int(row["volgorde"]))
            for row in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda pilot: pilot.volgorde))


def pilot_bronnen() -> tuple[str, ...]:
    """The pilots' `bron` codes (`amsterdam`, …), in the contract's order."""
    return tuple(pilot.bron for pilot in pilots())


def pilot_names() -> dict[str, str]:
    """`bron` → the municipality's printed name, in the contract's order."""
    return {pilot.bron: pilot.gemeente for pilot in pilots()}


def pilot_capacities() -> dict[str, int]:
    """`bron` → agreed places, in the contract's order."""
    return {pilot.bron: pilot.capaciteit for pilot in pilots()}
