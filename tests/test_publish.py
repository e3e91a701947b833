"""Publishing monitor.duckdb: marts only, checked, swapped in atomically; a reader keeps reading;
a failed or killed publish leaves the last good file in place. Synthetic data, and the demo run."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.pseudonym import MissingPseudonymKey
from pipelines.publish import LOCK_NAME, PUBLISHED_DB_NAME, TEMP_PREFIX, PublishError, publish_warehouse
from tests.synthetic_pipeline import make_pipeline_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_mode(monkeypatch):
    monkeypatch.setenv("LVV_DEMO", "1")
    monkeypatch.delenv("LVV_PSEUDONYM_KEY", raising=False)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> tuple[Path, Path]:
    """Two pipeline databases that differ (a night and the next), to publish one after the other."""
    folder = tmp_path_factory.mktemp("pipelines")
    return (make_pipeline_db(folder / "a" / "lvv.duckdb", n_persons=200, seed=1),
            make_pipeline_db(folder / "b" / "lvv.duckdb", n_persons=260, seed=2))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stays_in(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM marts.fct_instroom").fetchall()[0][0]
    finally:
        con.close()


def leftovers(warehouse: Path) -> list[str]:
    return sorted(p.name for p in warehouse.glob(TEMP_PREFIX + "*"))


def test_publish_holds_the_marts_only_with_the_macro_and_what_it_is(tmp_path, sources, demo_mode):
    source, _ = sources
    published = publish_warehouse(source, tmp_path)
    assert published == tmp_path / PUBLISHED_DB_NAME
    assert leftovers(tmp_path) == []
    src = duckdb.connect(str(source), read_only=True)
    con = duckdb.connect(str(published), read_only=True)
    try:
        source_tables = {r[0] for r in src.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()}
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        assert {s for s, _ in tables} == {"marts"}
        assert {t for _, t in tables} == source_tables | {"publicatie", "publicatie_leveringen"}
        for table in source_tables:
            query = f"SELECT * FROM marts.{table} ORDER BY ALL"
            assert con.execute(query).fetchall() == src.execute(query).fetchall(), table
        # The table macro is there and answers as in the pipeline database.
        query = "SELECT * FROM marts.monitor_op(DATE '2020-08-01', false)"
        assert con.execute(query).fetchall() == src.execute(query).fetchall()
        is_demo, published_at, version, newest, deliveries = con.execute(
            "SELECT is_demo, published_at, code_version, nieuwste_peildatum, aantal_leveringen FROM marts.publicatie"
        ).fetchall()[0]
        assert is_demo is True and version and newest == date(2021, 2, 1) and deliveries == 35
        assert published_at is not None
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'publicatie_leveringen'").fetchall()}
        assert columns == {"delivery_id", "file_name", "bron", "bestand", "peildatum", "sha256", "received_at",
                           "rows_loaded", "in_nieuwste_stand"}
        newest_files = con.execute(
            "SELECT count(*) FROM marts.publicatie_leveringen WHERE in_nieuwste_stand").fetchall()[0][0]
        assert newest_files == 7  # one per (bron, bestand)
    finally:
        con.close()
        src.close()


def test_publish_refuses_without_a_key_outside_demo_mode(tmp_path, sources, monkeypatch):
    monkeypatch.delenv("LVV_DEMO", raising=False)
    monkeypatch.delenv("LVV_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingPseudonymKey, match="LVV_PSEUDONYM_KEY"):
        publish_warehouse(sources[0], tmp_path)
    assert not (tmp_path / PUBLISHED_DB_NAME).exists()


def test_a_real_key_publishes_as_not_demo(tmp_path, sources, monkeypatch):
    monkeypatch.delenv("LVV_DEMO", raising=False)
    monkeypatch.setenv("LVV_PSEUDONYM_KEY", "x" * 64)
    published = publish_warehouse(sources[0], tmp_path)
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("SELECT is_demo FROM marts.publicatie").fetchall() == [(False,)]
    finally:
        con.close()


@pytest.mark.parametrize("poison", [
    "CREATE TABLE marts.lek AS SELECT v_nummer, 1 AS n FROM raw.gemeente_verblijven",
    "CREATE TABLE marts.lek AS SELECT client_id AS label FROM raw.gemeente_verblijven",
    "CREATE TABLE marts.lek AS SELECT CAST(geboortedatum AS DATE) AS d FROM raw.gemeente_verblijven",
    "CREATE SCHEMA IF NOT EXISTS marts; CREATE TABLE marts.publicatie (x INTEGER)",
])
def test_a_publish_that_fails_its_checks_leaves_the_last_good_file(tmp_path, sources, demo_mode, poison):
    good, _ = sources
    published = publish_warehouse(good, tmp_path / "wh")
    before = sha256(published)
    bad = tmp_path / "bad" / "lvv.duckdb"
    bad.parent.mkdir()
    shutil.copy(good, bad)
    con = duckdb.connect(str(bad))
    con.execute(poison)
    con.close()
    with pytest.raises(PublishError):
        publish_warehouse(bad, tmp_path / "wh")
    assert sha256(published) == before
    assert leftovers(tmp_path / "wh") == []


def test_publish_refuses_a_pipeline_without_marts(tmp_path, demo_mode):
    empty = tmp_path / "lvv.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="marts"):
        publish_warehouse(empty, tmp_path)
    assert not (tmp_path / PUBLISHED_DB_NAME).exists()


def test_two_publishes_at_once_are_refused(tmp_path, sources, demo_mode):
    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / LOCK_NAME, "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        with pytest.raises(PublishError, match="al een publicatie"):
            publish_warehouse(sources[0], tmp_path)


READER = r"""
import json, sys, threading, duckdb
path = sys.argv[1]

def read(con):
    n = con.execute("SELECT count(*) FROM marts.fct_instroom").fetchall()[0][0]
    m = con.execute("SELECT count(*) FROM marts.monitor_op(DATE '2020-11-01', false)").fetchall()[0][0]
    return n, m

con = duckdb.connect(path, read_only=True)
first = read(con)
print(json.dumps({"ready": first}), flush=True)
stop, reads, errors = threading.Event(), [0], []

def loop():
    while not stop.is_set():
        try:
            read(con)
            reads[0] += 1
        except Exception as exc:
            errors.append(repr(exc))

thread = threading.Thread(target=loop)
thread.start()
sys.stdin.readline()
stop.set()
thread.join()
old = read(con)
con.close()
con = duckdb.connect(path, read_only=True)
new = read(con)
con.close()
print(json.dumps({"first": first, "old": old, "new": new, "reads": reads[0], "errors": errors}), flush=True)
"""


def test_a_reader_keeps_reading_during_a_publish_and_sees_the_new_file_on_reconnect(tmp_path, sources, demo_mode):
    night1, night2 = sources
    published = publish_warehouse(night1, tmp_path)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        ready = json.loads(reader.stdout.readline())
        assert ready["ready"][0] == stays_in(published)
        publish_warehouse(night2, tmp_path)  # while the reader has the file open and is querying it
        time.sleep(0.3)
        reader.stdin.write("done\n")
        reader.stdin.flush()
        result = json.loads(reader.stdout.readline())
    finally:
        reader.kill()
        reader.wait()
    assert result["errors"] == []
    assert result["reads"] > 0
    assert result["old"] == result["first"]  # the open connection kept the night-1 file
    assert result["new"][0] == stays_in(night2) != result["first"][0]  # a new connection sees night 2
    assert result["new"][1] == 6


KILLED = r"""
import sys, time
from pathlib import Path
from pipelines.publish import publish_warehouse

stop_at = sys.argv[3]

def progress(message):
    print(message, flush=True)
    if message.startswith(stop_at):
        print("KILL-ME", flush=True)
        time.sleep(120)

publish_warehouse(Path(sys.argv[1]), Path(sys.argv[2]), progress=progress)
"""


@pytest.mark.parametrize("stop_at", ["  marts.fct_scenario", "controleren", "wegschrijven"])
def test_a_publish_killed_halfway_leaves_the_last_published_file(tmp_path, sources, demo_mode, stop_at):
    night1, night2 = sources
    published = publish_warehouse(night1, tmp_path)
    before = sha256(published)
    process = subprocess.Popen([sys.executable, "-c", KILLED, str(night2), str(tmp_path), stop_at],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ})
    try:
        for line in process.stdout:
            if line.strip() == "KILL-ME":
                break
        else:
            pytest.fail("the publish ended before the kill point")
        assert leftovers(tmp_path), "the new file is being written aside"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert sha256(published) == before
    assert stays_in(published) == stays_in(night1)
    # The next publish clears what the killed one left, and goes through.
    publish_warehouse(night2, tmp_path)
    assert leftovers(tmp_path) == []
    assert stays_in(published) == stays_in(night2)


def test_publish_of_the_demo_run(demo_warehouse, tmp_path):
    """The real marts: everything of schema marts arrives, the macro answers exactly as in the
    pipeline database in both modes, and the file says it is demo."""
    published = publish_warehouse(demo_warehouse.pipeline_db, tmp_path)
    src = duckdb.connect(str(demo_warehouse.pipeline_db), read_only=True)
    con = duckdb.connect(str(published), read_only=True)
    try:
        for as_reported in ("false", "true"):
            query = f"SELECT * FROM marts.monitor_op(DATE '2020-11-01', {as_reported}) ORDER BY ALL"
            assert con.execute(query).fetchall() == src.execute(query).fetchall()
        totaal = con.execute(
            "SELECT ooit_opgevangen, aanwezig FROM marts.monitor_op(DATE '2020-11-01', false) WHERE gemeente = 'totaal'"
        ).fetchall()
        assert totaal == src.execute(
            "SELECT ooit_opgevangen, aanwezig FROM marts.fct_monitor WHERE peildatum = DATE '2020-11-01' "
            "AND modus = 'nieuwste' AND gemeente = 'totaal'").fetchall()
        assert con.execute("SELECT is_demo FROM marts.publicatie").fetchall() == [(True,)]
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert schemas == {"marts"}
    finally:
        con.close()
        src.close()
