"""One run at a time per warehouse, and a ledger of every run: started, finished, or not.

The lock is an `flock` on `<warehouse>/.run.lock`: the kernel drops it when the process ends
in any way (a `kill -9` included), so a killed run never leaves a stale lock to clean up by
hand. It is re-entrant within one process, because `lvv-monitor run` takes it before starting
the job and the job's `warehouse` resource takes it again (that is how a run started from the
Dagster UI or the daemon is covered too).

The ledger `<warehouse>/runs.jsonl` gets one line when a run starts and one when it ends. A
run whose start line has no end line, and whose process no longer holds the lock, did not
finish: `lvv-monitor status` says so. Lines are appended and flushed to disk, so a kill can
at worst cut the last line, which the reader skips.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LOCK_NAME = ".run.lock"
LEDGER_NAME = "runs.jsonl"


class RunLocked(RuntimeError):
    """Another process runs on this warehouse; the message names its PID and what to do."""


@dataclass
class _Held:
    fd: int
    depth: int
    run_id: str | None = None


@dataclass(frozen=True)
class Holder:
    """The process that holds a warehouse's run lock, as written into the lock file."""

    pid: int | None
    since: str | None

    def __str__(self) -> str:
        return f"PID {self.pid}, gestart {self.since}" if self.pid is not None else "PID onbekend"


_held: dict[str, _Held] = {}
_guard = threading.Lock()


def lock_path(warehouse: Path) -> Path:
    return warehouse / LOCK_NAME


def ledger_path(warehouse: Path) -> Path:
    return warehouse / LEDGER_NAME


def _key(warehouse: Path) -> str:
    return str(warehouse.resolve())


def acquire(warehouse: Path) -> None:
    """Take the run lock of `warehouse`, or raise `RunLocked` naming the process that has it."""
    key = _key(warehouse)
    with _guard:
        if key in _held:
            _held[key].depth += 1
            return
        warehouse.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(warehouse), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunLocked(
                f"er loopt al een run op warehouse {warehouse} ({holder}); wacht tot die klaar is "
                "(`lvv-monitor status` toont de lopende run) en start dan opnieuw"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {datetime.now().isoformat(timespec='seconds')}\n".encode())
        _held[key] = _Held(fd, 1)


def release(warehouse: Path) -> None:
    key = _key(warehouse)
    with _guard:
        held = _held.get(key)
        if held is None:
            return
        held.depth -= 1
        if held.depth == 0:
            os.close(held.fd)  # closing the descriptor drops the flock
            del _held[key]


@contextmanager
def locked(warehouse: Path) -> Iterator[None]:
    """Hold the run lock of `warehouse` for the block (raises `RunLocked` before entering it)."""
    acquire(warehouse)
    try:
        yield
    finally:
        release(warehouse)


def is_locked_elsewhere(warehouse: Path) -> Holder | None:
    """The holder when another process runs on `warehouse`, else None."""
    path = lock_path(warehouse)
    if _key(warehouse) in _held or not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(fd)
    finally:
        os.close(fd)
    return None


def _read_holder(fd: int) -> Holder:
    os.lseek(fd, 0, os.SEEK_SET)
    fields = os.read(fd, 200).decode("utf-8", "replace").split()
    if len(fields) >= 2 and fields[0].isdigit():
        return Holder(int(fields[0]), fields[1])
    return Holder(None, None)


def begin_run(warehouse: Path, kind: str, run_id: str | None = None) -> str:
    """Write the start line of a run to the ledger; returns the ledger's run id."""
    run_id = run_id or uuid.uuid4().hex[:12]
    _append(warehouse, {
        "run_id": run_id, "event": "started", "kind": kind, "pid": os.getpid(),
        "at": datetime.now().isoformat(timespec="seconds"),
    })
    held = _held.get(_key(warehouse))
    if held is not None:
        held.run_id = run_id
    return run_id


def end_run(warehouse: Path, run_id: str, outcome: str, failed_step: str | None = None, error: str | None = None) -> None:
    """Write the end line: outcome is `geslaagd`, `mislukt` or `overgeslagen`."""
    _append(warehouse, {
        "run_id": run_id, "event": "finished", "outcome": outcome, "failed_step": failed_step,
        "error": (error or "")[:500] or None, "at": datetime.now().isoformat(timespec="seconds"),
    })


def current_run_id(warehouse: Path) -> str | None:
    held = _held.get(_key(warehouse))
    return held.run_id if held else None


def _append(warehouse: Path, record: dict) -> None:
    warehouse.mkdir(parents=True, exist_ok=True)
    fd = os.open(ledger_path(warehouse), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    kind: str
    pid: int | None
    started_at: str
    finished_at: str | None
    outcome: str  # geslaagd, mislukt, overgeslagen, loopt nog, niet afgemaakt
    failed_step: str | None = None
    error: str | None = None


def read_runs(warehouse: Path) -> list[RunRecord]:
    """Every run of the ledger, oldest first, with its outcome (a torn last line is skipped)."""
    path = ledger_path(warehouse)
    if not path.exists():
        return []
    started: dict[str, dict] = {}
    finished: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        (started if record.get("event") == "started" else finished)[record.get("run_id", "")] = record
    running_elsewhere = is_locked_elsewhere(warehouse)
    running_here = current_run_id(warehouse)
    runs = []
    for run_id, start in started.items():
        end = finished.get(run_id)
        if end:
            outcome = end.get("outcome", "onbekend")
        elif run_id == running_here or (running_elsewhere is not None and running_elsewhere.pid == start.get("pid")):
            outcome = "loopt nog"
        else:
            outcome = "niet afgemaakt"
        runs.append(RunRecord(
            run_id, start.get("kind", "?"), start.get("pid"), start.get("at", "?"),
            end.get("at") if end else None, outcome,
            end.get("failed_step") if end else None, end.get("error") if end else None,
        ))
    return runs
