"""Crash safety: `kill -9` a real `lvv-monitor run` at every step, then look (issue 11).

An existing warehouse (one good run on the demo landing) gets a correction delivery; the run
that should take it is killed with SIGKILL during ingest, during each dbt build and during
publish. After every kill:

- the published `monitor.duckdb` is byte-identical to the last good one, or (when the kill came
  after the atomic swap) the complete new one, and it opens read-only;
- `lvv-monitor status` says the killed run did not finish;
- the next normal run succeeds without any cleanup and publishes the same figures as a run
  that was never interrupted.

Each drill is a real subprocess, so these tests take a few minutes (about 8 runs of the job).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

CLI = str(Path(sys.executable).with_name("lvv-monitor"))
CORRECTED = "utrecht/utrecht_verblijven_20210201.csv"

# (name, a line of the run's progress output that shows the step is under way)
KILL_POINTS = [
    ("ingest", "rijen gelezen"),
    ("dbt_staging", "dbt: stg_"),
    ("dbt_marts", "dbt: fct_bezetting gebouwd"),
    ("publish", "publicatie:   marts.dim_land"),
]


def run_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LVV_PSEUDONYM_KEY"}
    env["LVV_DEMO"] = "1"
    return env


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], env=run_env(), capture_output=True, text=True, timeout=900)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_figures(warehouse: Path) -> list[tuple]:
    """The monitor table of the published file, opened read-only as an analyst would."""
    con = duckdb.connect(str(warehouse / "monitor.duckdb"), read_only=True)
    try:
        return con.execute("SELECT * FROM marts.fct_monitor ORDER BY ALL").fetchall()
    finally:
        con.close()


def correct_a_delivery(landing: Path) -> None:
    """A correction of the newest Utrecht delivery: the same file name, one stay fewer."""
    path = landing / CORRECTED
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))


def start_and_kill(landing: Path, warehouse: Path, marker: str) -> tuple[bool, str]:
    """Start a run, SIGKILL it as soon as `marker` appears in its output. Returns (killed, output)."""
    process = subprocess.Popen(
        [CLI, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        env=run_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seen: list[str] = []
    hit = threading.Event()

    def watch() -> None:
        for line in process.stdout:
            seen.append(line)
            if marker in line and not hit.is_set():
                hit.set()
                os.kill(process.pid, signal.SIGKILL)

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    process.wait(timeout=900)
    reader.join(timeout=10)
    return process.returncode == -signal.SIGKILL, "".join(seen)


@pytest.fixture(scope="module")
def drill_ground(tmp_path_factory):
    """A warehouse after one good run, the corrected landing, and the figures of an uninterrupted run."""
    from pipelines.demo import write_demo_feeds

    tmp = tmp_path_factory.mktemp("drills")
    landing, template = tmp / "landing", tmp / "template"
    write_demo_feeds(landing)
    first = cli("run", "--landing", str(landing), "--warehouse", str(template))
    assert first.returncode == 0, first.stderr[-3000:]
    correct_a_delivery(landing)
    reference = tmp / "reference"
    shutil.copytree(template, reference)
    uninterrupted = cli("run", "--landing", str(landing), "--warehouse", str(reference))
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-3000:]
    before, after = published_figures(template), published_figures(reference)
    assert before != after, "the correction must change the figures, or the drill proves nothing"
    return tmp, landing, template, after


@pytest.mark.parametrize(("step", "marker"), KILL_POINTS, ids=[p[0] for p in KILL_POINTS])
def test_a_run_killed_during_a_step_loses_nothing(drill_ground, step, marker):
    tmp, landing, template, expected_figures = drill_ground
    warehouse = tmp / f"killed-{step}"
    shutil.copytree(template, warehouse)
    last_good = sha256(template / "monitor.duckdb")

    killed, output = start_and_kill(landing, warehouse, marker)
    assert killed, f"the run ended before '{marker}' appeared:\n{output[-3000:]}"

    published = warehouse / "monitor.duckdb"
    if sha256(published) != last_good:  # the kill came after the swap: then it is the whole new file
        assert published_figures(warehouse) == expected_figures
    else:
        assert published_figures(warehouse) == published_figures(template)

    status = cli("status", "--warehouse", str(warehouse))
    assert status.returncode == 0, status.stderr
    assert "Laatste run: niet afgemaakt" in status.stdout

    recovery = cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert recovery.returncode == 0, f"run after the kill at {step} failed:\n{recovery.stderr[-3000:]}"
    assert published_figures(warehouse) == expected_figures
    status = cli("status", "--warehouse", str(warehouse))
    assert "Laatste run: geslaagd" in status.stdout


def test_a_second_run_on_a_busy_warehouse_is_refused_naming_the_pid(drill_ground):
    tmp, landing, template, _ = drill_ground
    warehouse = tmp / "busy"
    shutil.copytree(template, warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from pipelines import runs; "
         "runs.acquire(Path(sys.argv[1])); print('held', flush=True); time.sleep(120)", str(warehouse)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
        assert refused.returncode == 3
        assert f"PID {holder.pid}" in refused.stderr and "er loopt al een run" in refused.stderr
    finally:
        holder.kill()
        holder.wait()
    # The kernel dropped the lock with the process: the next run needs no cleanup.
    assert cli("run", "--landing", str(landing), "--warehouse", str(warehouse)).returncode == 0
