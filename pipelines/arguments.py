"""Argument types shared by the `lvv-monitor` subcommands."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(text: str) -> date:
    """argparse type for a peildatum: YYYY-MM-DD, with an error that says what to type."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is geen datum; gebruik JJJJ-MM-DD, bijvoorbeeld 2020-11-01") from None


def positive_int(text: str) -> int:
    """argparse type for a count that must be at least 1 (e.g. --scale)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is geen geheel getal") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"moet minstens 1 zijn, niet {value}")
    return value
