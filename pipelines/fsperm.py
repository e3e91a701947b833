"""File modes of the warehouse: the restricted zone is the service user's alone.

Why explicit modes rather than trusting the umask: DuckDB and Python create files 0644 under the
usual umask 022, so `lvv.duckdb` (every identifier) was world-readable. Decisions (docs/privacy.md):

| what | mode | why |
|---|---|---|
| restricted files (`lvv.duckdb` and its `.wal`, `review/reviewlijst.csv`, decisions) | 0600 | identifiers |
| restricted folders (`review/`, `logs/`, the dbt target, the Dagster home) | 0700 | |
| the warehouse folder | 0750 | the analysts' group must reach `monitor.duckdb` in it |
| `monitor.duckdb`, `parquet/*.parquet` (published; `parquet/` 0750) | 0640 | analysts' group reads, service writes |

The systemd units also set `UMask=0077`, so files DuckDB creates later (a WAL, a temporary file)
start private too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb

RESTRICTED_FILE = 0o600
RESTRICTED_DIR = 0o700
WAREHOUSE_DIR = 0o750
PUBLISHED_FILE = 0o640
DUCKDB_SIDECARS = (".wal", ".tmp")


def _chmod(path: Path, mode: int) -> None:
    """chmod when we own the path; a path of another user is left alone (and not an error)."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        pass


def restricted_dir(path: Path) -> Path:
    """Create (or tighten) a folder only the service user may enter."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=RESTRICTED_DIR)
    _chmod(path, RESTRICTED_DIR)
    return path


def restrict_file(path: Path) -> Path:
    """Make a restricted file (and a DuckDB file's WAL, if there is one) 0600."""
    path = Path(path)
    _chmod(path, RESTRICTED_FILE)
    for suffix in DUCKDB_SIDECARS:
        _chmod(path.with_name(path.name + suffix), RESTRICTED_FILE)
    return path


def publish_mode(path: Path) -> Path:
    """The published file: readable by the group (the analysts), by nobody else."""
    _chmod(Path(path), PUBLISHED_FILE)
    return Path(path)


def published_dir(path: Path) -> Path:
    """A published folder (the Parquet files): the analysts' group may enter it, nobody else."""
    _chmod(Path(path), WAREHOUSE_DIR)
    return Path(path)


def restrict_database(con: duckdb.DuckDBPyConnection) -> None:
    """The main database file of a connection 0600 and its folder 0750 (the warehouse folder)."""
    for _, name, file in con.execute("PRAGMA database_list").fetchall():
        if name == "memory" or not file:
            continue
        path = Path(file)
        restrict_file(path)
        _chmod(path.parent, WAREHOUSE_DIR)
        return


__all__ = ["PUBLISHED_FILE", "RESTRICTED_DIR", "RESTRICTED_FILE", "WAREHOUSE_DIR", "publish_mode",
           "published_dir", "restrict_database", "restrict_file", "restricted_dir"]
