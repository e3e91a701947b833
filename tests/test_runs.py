"""The run lock and the run ledger (pipelines/runs.py), and what `status` makes of them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime

import dagster as dg

from pipelines import runs
from pipelines.defs.ingest_assets import landing_scan
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest import ingest_landing
from pipelines.status import status_report
from tests.feeds import VERBLIJVEN_HEADER, VERBLIJVEN_ROWS, csv_bytes, deliver, deliveries


def other_process_can_lock(warehouse) -> bool:
    code = (
        "import sys; from pathlib import Path; from pipelines import runs\n"
        "try:\n    runs.acquire(Path(sys.argv[1])); print('free')\n"
        "except runs.RunLocked as exc:\n    print('locked', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(warehouse)], capture_output=True, text=True, check=True)
    return out.stdout.startswith("free")


def test_the_lock_is_reentrant_in_a_process_and_exclusive_between_processes(tmp_path):
    runs.acquire(tmp_path)
    runs.acquire(tmp_path)
    assert not other_process_can_lock(tmp_path)
    assert runs.is_locked_elsewhere(tmp_path) is None  # held here, not elsewhere
    assert runs.lock_path(tmp_path).read_text().startswith(f"{os.getpid()} ")
    runs.release(tmp_path)
    assert not other_process_can_lock(tmp_path)  # still held once
    runs.release(tmp_path)
    assert other_process_can_lock(tmp_path)


def test_a_run_started_from_dagster_is_locked_and_on_the_ledger(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    resource = WarehouseResource(landing_dir=str(landing), warehouse_dir=str(warehouse))
    result = dg.materialize([landing_scan], resources={"warehouse": resource})
    assert result.success
    history = runs.read_runs(warehouse)
    assert [(r.kind, r.outcome) for r in history] == [("dagster", "geslaagd")]
    assert history[0].run_id == result.run_id[:12]
    assert other_process_can_lock(warehouse)  # released at the end of the run


def test_a_start_without_an_end_is_a_run_that_did_not_finish(tmp_path):
    ledger = runs.ledger_path(tmp_path)
    ledger.write_text(
        json.dumps({"run_id": "a", "event": "started", "kind": "lvv-monitor run", "pid": 1, "at": "2020-11-01T02:00:00"}) + "\n"
        + json.dumps({"run_id": "a", "event": "finished", "outcome": "geslaagd", "at": "2020-11-01T02:01:00"}) + "\n"
        + json.dumps({"run_id": "b", "event": "started", "kind": "lvv-monitor run", "pid": 999999, "at": "2020-11-02T02:00:00"}) + "\n"
        + '{"run_id": "b", "event": "fini',  # the kill cut the last line in half
        encoding="utf-8",
    )
    assert [(r.run_id, r.outcome) for r in runs.read_runs(tmp_path)] == [("a", "geslaagd"), ("b", "niet afgemaakt")]


def test_status_says_when_the_published_file_is_behind_the_raw_zone(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.csv", csv_bytes(VERBLIJVEN_HEADER, VERBLIJVEN_ROWS))
    published = warehouse / "monitor.duckdb"
    warehouse.mkdir(parents=True)
    published.write_bytes(b"stand-in for the published file")
    old = datetime(2020, 11, 1).timestamp()
    os.utime(published, (old, old))
    ingest_landing(landing, warehouse / "lvv.duckdb")
    report = status_report(warehouse / "lvv.duckdb")
    assert "LOOPT ACHTER" in report
    now = datetime.now().timestamp() + 60
    os.utime(published, (now, now))
    assert "bij met de ruwe zone" in status_report(warehouse / "lvv.duckdb")


def test_an_xlsx_that_would_unpack_to_far_more_than_it_weighs_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 << 20))
    landing = tmp_path / "landing"
    deliver(landing, "utrecht/utrecht_verblijven_20201101.xlsx", buffer.getvalue())
    ingest_landing(landing, tmp_path / "lvv.duckdb")
    status, reason, *_ = deliveries(tmp_path / "lvv.duckdb")["utrecht/utrecht_verblijven_20201101.xlsx"]
    assert status == "rejected" and "zip-bom" in reason
