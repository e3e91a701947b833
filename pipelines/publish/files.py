"""The files of a publish: its lock, its temporary files and fsync (steps 2, 4 and 5 of
pipelines/publish/__init__.py)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.publish.model import PublishError

TEMP_PREFIX = f".{PUBLISHED_DB_NAME}.tmp-"
LOCK_NAME = f".{PUBLISHED_DB_NAME}.lock"
PARQUET_TEMP_PREFIX = ".parquet.tmp-"


@contextmanager
def publish_lock(warehouse_dir: Path) -> Iterator[None]:
    lock_path = warehouse_dir / LOCK_NAME
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"er loopt al een publicatie in {warehouse_dir} (slot {lock_path.name}); probeer het later")
        yield
    finally:
        handle.close()


def remove_stale_temp_files(warehouse_dir: Path) -> None:
    """Temporary files of an interrupted publish (we hold the lock, so no publish is running)."""
    for leftover in warehouse_dir.glob(TEMP_PREFIX + "*"):
        remove(leftover)
    for leftover in warehouse_dir.glob(PARQUET_TEMP_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)


def remove(path: Path) -> None:
    for candidate in (path, Path(str(path) + ".wal")):
        try:
            candidate.unlink()
        except FileNotFoundError:
            pass


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entry to disk (a folder: so a rename in it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (hex), read in blocks: the published file and an extract's
    files are hundreds of MB at scale 100."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
