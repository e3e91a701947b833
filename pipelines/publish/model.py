"""What the parts of a publish share: the published schema, the storage format, the error a
refused publish raises, a macro as it is published, and the code version it is stamped with."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Callable

PUBLISHED_SCHEMA = "marts"
PUBLICATION_TABLES = ("publicatie", "publicatie_leveringen")
# The oldest storage format DuckDB 2.0 writes: DuckDB 1.0 … 1.5 (storage numbers 64-68) refuse
# 2.0's own format (69), and analysts' CLIs, R packages and DBeaver drivers are 1.x.
PUBLISHED_STORAGE_VERSION = "v1.0.0"

Progress = Callable[[str], None]


class PublishError(RuntimeError):
    """The publish was refused or failed; the previous published file is still in place."""


@dataclass(frozen=True)
class PublishedMacro:
    name: str
    sql: str  # the CREATE MACRO statement as it is run in the published file


def code_version() -> str:
    """`git describe` of the checkout when there is one, else the installed package version."""
    from pipelines.config import PROJECT_ROOT

    if (PROJECT_ROOT / ".git").exists():
        try:
            described = subprocess.run(
                ["git", "-C", str(PROJECT_ROOT), "describe", "--tags", "--always", "--dirty"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()
            if described:
                return f"git {described}"
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        from importlib.metadata import version

        return f"lvv-monitor {version('lvv-monitor')}"
    except Exception:  # noqa: BLE001 - not installed: still say something true
        return "lvv-monitor (onbekende versie)"
