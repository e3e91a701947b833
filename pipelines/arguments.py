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
