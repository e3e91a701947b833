"""A night with nothing new is cheap: decide, before importing Dagster or dbt, whether to rebuild.

The run rebuilds unless *all* of these hold since the last good publish (recorded in
`<warehouse>/nightly_fingerprint.json` at the end of every successful run):

- every delivery in the landing folder was received before, with these bytes (the ingest's own
  rule, `raw.deliveries`: same `relative_path` and sha256), and no delivery disappeared;
- the delivery ledger (`raw.deliveries`) is the one the last good publish was built from;
- the code and configuration are the same: `pipelines/`, `dbt_project/`, `seeds/`,
  `expectations/*.json`, the versions of the stack, every `LVV_*` variable (the thresholds among
  them), the reviewer decisions file and the pseudonym key (as an HMAC, never the key itself);
- the published `monitor.duckdb` is still the file that publish wrote;
- the freshness rule of `datakwaliteit_aanlevering` (`levering_verouderd`) still holds on the
  ledger today. With `LVV_VERSHEID_REFERENTIE=rundatum` a source that stopped delivering goes
  stale while nothing arrives; then the night rebuilds, so the blocking check fails and says
  which source, exactly as on any other night.

File contents are hashed only when a file's stat (size, mtime, ctime, inode) differs from the
recorded one, so the decision costs a directory scan and one small query at any scale.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, PIPELINE_DB_NAME, PROJECT_ROOT, PUBLISHED_DB_NAME, SEEDS_DIR

RECORD_NAME = "nightly_fingerprint.json"
STACK = ("lvv-monitor", "dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations",
         "splink", "pyarrow", "pandas")
_NOT_CODE = {"target", "logs", "dbt_packages", "__pycache__"}
# Variables that say where things are, not what is computed (the paths are compared themselves).
# LVV_DEMO counts as the demo mode the run actually has (passed in, or the variable): see code_digest.
_NOT_FIGURES = {"LVV_LANDING", "LVV_WAREHOUSE", "LVV_PSEUDONYM_KEY", "LVV_DEMO"}


@dataclass
class Decision:
    """Whether tonight rebuilds, why, and the state to record when the rebuild succeeds."""

    rebuild: bool
    reason: str
    state: dict = field(default_factory=dict)


def _tree_digest(digest, folder: Path, suffixes: set[str] | None = None) -> None:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_CODE and not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or (suffixes and path.suffix not in suffixes):
                continue
            digest.update(f"{path.relative_to(PROJECT_ROOT)}\0".encode())
            digest.update(path.read_bytes())


def _versions() -> str:
    found = []
    for name in STACK:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=-")
    return ";".join(found)


def _key_mark(demo: bool | None = None) -> str:
    """An HMAC made with the pseudonym key: changes with the key, reveals nothing of it."""
    from pipelines.pseudonym import pseudonym_key

    try:
        key = pseudonym_key(demo)
    except Exception:  # noqa: BLE001 - no key configured: the run itself will say so
        return "geen sleutel"
    return hmac.new(key, b"lvv nightly fingerprint", hashlib.sha256).hexdigest()


def _figure_settings() -> list[tuple[str, str]]:
    """The `LVV_*` variables that change what is computed (thresholds, the window), sorted."""
    return sorted((k, v) for k, v in os.environ.items() if k.startswith("LVV_") and k not in _NOT_FIGURES)


def project_digest() -> str:
    """The code and configuration of the project: `pipelines/`, `dbt_project/`, `seeds/`,
    `expectations/*.json`, the versions of the stack and the `LVV_*` variables that change figures.
    Also what decides dbt's documentation site (pipelines/documentation)."""
    digest = hashlib.sha256()
    for folder, suffixes in ((PROJECT_ROOT / "pipelines", {".py", ".html", ".css", ".json", ".j2"}),
                             (DBT_PROJECT_DIR, None), (SEEDS_DIR, None), (PROJECT_ROOT / "expectations", {".json"})):
        _tree_digest(digest, folder, suffixes)
    digest.update(_versions().encode())
    digest.update(json.dumps(_figure_settings()).encode())
    return digest.hexdigest()


def code_digest(landing: Path, warehouse: Path, demo: bool | None = None) -> str:
    """Everything other than the deliveries that decides what a run publishes; `demo` as in
    pipelines/pseudonym.py (None: `LVV_DEMO` says)."""
    from pipelines.linkage.run import decisions_path
    from pipelines.pseudonym import is_demo_mode

    digest = hashlib.sha256(project_digest().encode())  # the code, the versions and the settings
    demo_mode = ("demo", str(is_demo_mode(demo)))
    digest.update(json.dumps([str(landing.resolve()), str(warehouse.resolve()), demo_mode, _key_mark(demo)]).encode())
    decisions = decisions_path(warehouse)
    digest.update(decisions.read_bytes() if decisions.is_file() else b"-")
    return digest.hexdigest()


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def landing_files(landing: Path, previous: dict | None = None) -> dict[str, dict]:
    """Every delivery candidate with its sha256 as the ingest computes it (an over-large or
    unreadable file counts as no bytes); hashes are reused while a file's stat is unchanged."""
    from pipelines.ingest.deliveries import read_delivery_bytes, sha256_hex
    from pipelines.ingest.landing import scan_landing

    previous = previous or {}
    files: dict[str, dict] = {}
    for candidate in scan_landing(landing).candidates:
        try:
            stat = _stat_key(candidate.path)
        except OSError:
            stat = []
        known = previous.get(candidate.relative_path)
        if stat and known and known.get("stat") == stat:
            files[candidate.relative_path] = known
            continue
        data, _ = read_delivery_bytes(candidate)  # exactly the bytes the ingest would take
        files[candidate.relative_path] = {"stat": stat, "sha256": sha256_hex(data)}
    return files


def ledger_digest(db_path: Path) -> tuple[str, set[tuple[str, str]]]:
    """A digest of `raw.deliveries` and the (relative_path, sha256) pairs it has received."""
    import duckdb

    if not db_path.exists():
        return "geen ledger", set()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT delivery_id, relative_path, sha256, status FROM raw.deliveries ORDER BY delivery_id"
        ).fetchall()
    finally:
        con.close()
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest(), {(r[1], r[2]) for r in rows}


def stale_sources(db_path: Path, today: date | None = None) -> list[str]:
    """The freshness rule (`levering_verouderd`) evaluated on the ledger: the file types whose
    newest loaded delivery lies more than LVV_MAX_DAGEN_ZONDER_LEVERING days before the reference
    date (the newest peildatum of all deliveries, or today with LVV_VERSHEID_REFERENTIE=rundatum)."""
    import duckdb

    from pipelines.expectations.config import thresholds_from_environment

    thresholds = thresholds_from_environment()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            """
            WITH newest AS (
                SELECT bron, bestand, max(peildatum) AS laatste FROM raw.deliveries
                WHERE status = 'loaded' GROUP BY bron, bestand
            ),
            reference AS (SELECT CASE WHEN ? THEN CAST(? AS DATE) ELSE max(laatste) END AS datum FROM newest)
            SELECT bron || '/' || bestand || ' (laatste peildatum ' || strftime(laatste, '%Y-%m-%d') || ')'
            FROM newest, reference
            WHERE date_diff('day', laatste, reference.datum) > ?
            ORDER BY 1
            """,
            [thresholds.versheid_referentie == "rundatum", today or date.today(), thresholds.max_dagen_zonder_levering],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def record_path(warehouse: Path) -> Path:
    return warehouse / RECORD_NAME


def _read_record(warehouse: Path) -> dict | None:
    try:
        return json.loads(record_path(warehouse).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def decide(landing: Path, warehouse: Path, force: bool = False, demo: bool | None = None) -> Decision:
    """Rebuild or not, with the reason in words; `state` is what `record` stores after a good run.
    `demo`: the run's demo mode (None: `LVV_DEMO` says)."""
    record = _read_record(warehouse) or {}
    state = {"code": code_digest(landing, warehouse, demo),
             "landing": landing_files(landing, record.get("landing"))}
    if force:
        return Decision(True, "--force: opnieuw bouwen gevraagd", state)
    if not record:
        return Decision(True, "nog geen geslaagde publicatie vastgelegd", state)
    published = warehouse / PUBLISHED_DB_NAME
    if not published.is_file() or _stat_key(published)[:2] != record.get("published", [])[:2]:
        return Decision(True, f"{PUBLISHED_DB_NAME} is niet meer het laatst gepubliceerde bestand", state)
    if state["code"] != record.get("code"):
        return Decision(True, "code, seeds, verwachtingen, drempels of versies gewijzigd", state)
    try:
        ledger, received = ledger_digest(warehouse / PIPELINE_DB_NAME)
        stale = stale_sources(warehouse / PIPELINE_DB_NAME)
    except Exception as exc:  # noqa: BLE001 - e.g. a run holds the database: then do not skip
        return Decision(True, f"het leveringenregister kon niet gelezen worden ({type(exc).__name__})", state)
    if ledger != record.get("ledger"):
        return Decision(True, "het leveringenregister (raw.deliveries) is gewijzigd", state)
    new = sorted(p for p, f in state["landing"].items() if (p, f["sha256"]) not in received)
    if new:
        return Decision(True, f"nieuwe of gewijzigde levering(en): {', '.join(new[:5])}", state)
    gone = sorted(set(record.get("landing", {})) - set(state["landing"]))
    if gone:
        return Decision(True, f"levering(en) verdwenen uit de landingsmap: {', '.join(gone[:5])}", state)
    if stale:
        return Decision(True, f"bron(nen) verouderd, de controle moet het melden: {', '.join(stale)}", state)
    return Decision(False, "niets nieuws sinds de laatste publicatie: niet opnieuw gebouwd", state)


def record(warehouse: Path, state: dict) -> None:
    """After a good publish: store the state it was built from (written atomically)."""
    published = warehouse / PUBLISHED_DB_NAME
    if not published.is_file():
        return
    ledger, _ = ledger_digest(warehouse / PIPELINE_DB_NAME)
    payload = {**state, "ledger": ledger, "published": _stat_key(published)}
    target = record_path(warehouse)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    os.replace(temporary, target)
