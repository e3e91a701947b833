"""Run the expectation suites with Great Expectations 1.x on pandas DataFrames read from DuckDB.

One ephemeral GX context per run (a pandas data source, one dataframe asset per frame, a
whole-dataframe batch definition), shared by the checks of that run, so the Data Docs built into
`<warehouse>/data_docs/` show every check of the run. GX is imported lazily: it is slow to import.

The frames are shared by the checks of a run too: a frame that two checks judge (`verblijven`:
convenant_instroom and datakwaliteit_verblijven; `uitstroom`: convenant_uitstroom and
datakwaliteit_uitstroom) is read from DuckDB once, by the first of them, and dropped as soon as
no check of the run still to come needs it. Every check runs after the assets it reads are
built and nothing rebuilds them later in the run, so the shared frame is the frame the second
check would have read.

`run_check(controle, pipeline_db, warehouse_dir)` evaluates one asset check and returns an
`Uitkomst`: per expectation whether it held, how many rows broke it, per bron, with examples
named by their pseudonymized key or file name.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.expectations.config import Thresholds, thresholds_from_environment
from pipelines.expectations.frames import FRAMES, read_frame
from pipelines.expectations.offline import make_offline
from pipelines.expectations.suites import Controle, Regel

DATA_DOCS_DIR = "data_docs"
SITE_NAME = "lvv_monitor"
MAX_EXAMPLES = 5


@dataclass
class Bevinding:
    """The outcome of one expectation."""

    regel: Regel
    geslaagd: bool
    aantal: int  # rows that break the expectation
    totaal: int  # rows judged
    per_bron: dict[str, int] = field(default_factory=dict)
    voorbeelden: list[dict] = field(default_factory=list)  # the key columns of a few failing rows
    uitvoerfout: str | None = None  # the expectation could not be evaluated

    def kort(self) -> str:
        """The outcome in a few words: `in orde`, or how many rows broke it, per bron."""
        if self.uitvoerfout:
            return f"kon niet worden gecontroleerd ({self.uitvoerfout})"
        if self.geslaagd:
            return "in orde"
        bronnen = ", ".join(f"{bron} {n}" for bron, n in sorted(self.per_bron.items()))
        return f"{self.aantal} van {self.totaal}" + (f" — {bronnen}" if bronnen else "")

    def regel_tekst(self) -> str:
        return f"{self.regel.soort} ({self.regel.ernst}): {self.kort()}"


@dataclass
class Uitkomst:
    """The outcome of one asset check."""

    controle: Controle
    bevindingen: list[Bevinding]
    data_docs: Path | None
    seconden: float
    thresholds: Thresholds

    @property
    def geslaagd(self) -> bool:
        return all(b.geslaagd for b in self.bevindingen)

    @property
    def mislukt(self) -> list[Bevinding]:
        return [b for b in self.bevindingen if not b.geslaagd]

    @property
    def ernst(self) -> str | None:
        """`fout` when an expectation of ernst fout failed, `waarschuwing` when only warnings did, else None."""
        failed = self.mislukt
        if any(b.regel.ernst == "fout" for b in failed):
            return "fout"
        return "waarschuwing" if failed else None

    @property
    def blokkeert(self) -> bool:
        return self.ernst == "fout"

    def samenvatting(self) -> str:
        if self.geslaagd:
            return f"{self.controle.naam}: alle {len(self.bevindingen)} verwachtingen in orde"
        parts = [f"{b.regel.soort} {b.aantal}" if not b.uitvoerfout else f"{b.regel.soort} niet uitgevoerd"
                 for b in self.mislukt]
        return f"{self.controle.naam}: {self.ernst}: " + ", ".join(parts)

    def melding(self, warehouse_dir: Path, uitleg: dict[str, list[tuple[str, str | None, str]]] | None = None) -> str:
        """The message a blocking failure stops the run with: the check, the source, what to do."""
        lines = [
            f"Blokkerende controle '{self.controle.naam}' (op {self.controle.asset}) is niet geslaagd: "
            f"de cijfers zouden niet kloppen. Er is niets gepubliceerd; het vorige {PUBLISHED_DB_NAME} blijft staan."
        ]
        for bevinding in self.mislukt:
            if bevinding.regel.ernst != "fout":
                continue
            regel = bevinding.regel
            if bevinding.uitvoerfout:
                lines.append(f"- {regel.titel}: de controle kon niet worden uitgevoerd: {bevinding.uitvoerfout}")
                continue
            per_bron = sorted(bevinding.per_bron.items())
            bronnen = per_bron[0][0] if len(per_bron) == 1 else ", ".join(f"{bron} ({n})" for bron, n in per_bron)
            lines.append(f"- {regel.titel} [{regel.soort}]: {bevinding.aantal}× bij {bronnen or 'onbekende bron'}")
            shown = (uitleg or {}).get(regel.soort) or []
            for bron, bestand, text in shown[:MAX_EXAMPLES]:
                lines.append(f"    {bron}{f', {bestand}' if bestand else ''}: {text}")
            if not shown:
                for example in bevinding.voorbeelden[:MAX_EXAMPLES]:
                    lines.append("    " + ", ".join(f"{k}={v}" for k, v in example.items()))
            lines.append(f"  Wat te doen: {regel.actie}")
        lines.append(
            f"Alle afwijkingen: lvv-monitor deviations --warehouse {warehouse_dir} --pipeline --ernst fout; "
            f"Data Docs: {Path(warehouse_dir) / DATA_DOCS_DIR / 'index.html'}"
        )
        return "\n".join(lines)


def _plain(value):
    """A JSON- and message-friendly value: dates as ISO text, numpy and pandas scalars as Python."""
    import pandas as pd

    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        plain = value.item()
        return _plain(plain) if type(plain) is not type(value) else str(value)
    return value


class GxSessie:
    """An ephemeral GX context for one run, with the Data Docs site in the warehouse folder."""

    def __init__(self, warehouse_dir: Path, run_name: str) -> None:
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self.warehouse_dir = Path(warehouse_dir)
        self.docs_dir = self.warehouse_dir / DATA_DOCS_DIR
        self._docs_cleared = False
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            data_docs_sites={
                SITE_NAME: {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            },
        )
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        self.datasource = self.context.data_sources.add_pandas("lvv_monitor")
        self.run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))
        self.lock = threading.Lock()
        self._rendered: set = set()
        self._suite_ids: list = []
        self._done: set[str] = set()
        self._frames: dict[tuple[str, str], object] = {}  # (pipeline_db, frame) -> DataFrame

    def frames_for(self, controle: Controle, pipeline_db: Path) -> dict:
        """The frames of `controle`: those already read in this run by an earlier check, the
        others read now from `pipeline_db` and kept for the checks to come."""
        db = str(Path(pipeline_db).resolve())
        missing = [name for name in controle.frames if (db, name) not in self._frames]
        if missing:
            import duckdb

            con = duckdb.connect(db, read_only=True)
            try:
                for name in missing:
                    self._frames[(db, name)] = read_frame(con, name)
            finally:
                con.close()
        return {name: self._frames[(db, name)] for name in controle.frames}

    def release_frames(self, expected: set[str]) -> None:
        """Drop the frames that no check of `expected` still to run needs (memory: a frame of
        the scale-100 warehouse is ~10-20 MB)."""
        from pipelines.expectations.suites import controles

        still_needed = {frame for c in controles() if c.naam in expected - self._done for frame in c.frames}
        for key in [k for k in self._frames if k[1] not in still_needed]:
            del self._frames[key]

    def _batch_definition(self, frame: str):
        try:
            asset = self.datasource.get_asset(frame)
        except LookupError:
            asset = self.datasource.add_dataframe_asset(frame)
        try:
            return asset.get_batch_definition("volledig")
        except KeyError:
            return asset.add_batch_definition_whole_dataframe("volledig")

    def validate(self, controle: Controle, frame: str, df, parameters: dict):
        from great_expectations.core import ExpectationSuite
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        name = f"{controle.naam}.{frame}"
        regels = controle.regels_op(frame)
        for factory, item in ((self.context.validation_definitions, name), (self.context.suites, name)):
            try:
                factory.delete(item)
            except Exception:  # noqa: BLE001 - not there yet: nothing to delete
                pass
        suite = self.context.suites.add(ExpectationSuite(
            name=name,
            expectations=[dict(r.config) for r in regels],
            meta={"suite": controle.suite, "controle": controle.naam, "asset": controle.asset,
                  "omschrijving": controle.omschrijving, "frame": FRAMES[frame].omschrijving},
        ))
        definition = self.context.validation_definitions.add(
            self._gx.ValidationDefinition(name=name, data=self._batch_definition(frame), suite=suite)
        )
        self._suite_ids.append(ExpectationSuiteIdentifier(name=name))
        return definition.run(
            batch_parameters={"dataframe": df},
            expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(FRAMES[frame].sleutels)},
            run_id=self.run_id,
        )

    def build_docs(self) -> Path:
        """Render the pages of the validations (and suites) since the last build, and the index.

        The first build of a run empties the folder, so the Data Docs show this run only."""
        if not self._docs_cleared:
            _clear_docs(self.docs_dir)
            self._docs_cleared = True
        results = set(self.context.validation_results_store.list_keys())
        new = [key for key in results if key not in self._rendered]
        self.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=new + self._suite_ids)
        make_offline(self.docs_dir)  # no CDN: every page opens without the internet (offline.py)
        self._rendered |= results
        self._suite_ids = []
        return self.docs_index

    @property
    def docs_index(self) -> Path:
        return self.docs_dir / "index.html"

    def mark_done(self, naam: str, expected: set[str]) -> None:
        """Record that check `naam` has run (without Data Docs) and drop the frames no longer needed."""
        self._done.add(naam)
        self.release_frames(expected)

    def check_done(self, naam: str, expected: set[str], build_now: bool = False) -> None:
        """Record that check `naam` has run; build the Data Docs when it is the last of the
        run's `expected` checks, or right away when `build_now` (a blocking failure: the docs
        must show why nothing was published).

        One build at the end instead of one per check: a build costs ~0.5 s however little it
        renders (GX compiles its page templates anew each time), ten builds were 5 s of a run."""
        self._done.add(naam)
        self.release_frames(expected)
        if build_now or expected <= self._done:
            self.build_docs()


def _clear_docs(docs_dir: Path) -> None:
    """Start a run with an empty Data Docs folder (only when it holds GX Data Docs, nothing else)."""
    if docs_dir.is_dir() and ((docs_dir / "index.html").exists() or not any(docs_dir.iterdir())):
        shutil.rmtree(docs_dir, ignore_errors=True)


_SESSIES: dict[tuple[str, str], GxSessie] = {}
_SESSIES_LOCK = threading.Lock()


def sessie(warehouse_dir: Path, run_key: str) -> GxSessie:
    """The GX session of this run (created, and the Data Docs folder emptied, by its first check)."""
    key = (str(Path(warehouse_dir).resolve()), run_key)
    with _SESSIES_LOCK:
        if key not in _SESSIES:
            for other in [k for k in _SESSIES if k[0] == key[0]]:
                del _SESSIES[other]  # an earlier run on this warehouse: its session is done
            _SESSIES[key] = GxSessie(Path(warehouse_dir), run_name=f"run {run_key}")
        return _SESSIES[key]


def _bevinding(regel: Regel, result) -> Bevinding:
    info = result.exception_info or {}
    raised = info.get("raised_exception") if isinstance(info, dict) else False
    if raised:
        message = str(info.get("exception_message") or "onbekende fout").strip().splitlines()[0]
        return Bevinding(regel, False, 0, 0, uitvoerfout=message)
    details = result.result or {}
    rows = details.get("unexpected_index_list") or []
    per_bron = Counter(str(row.get("bron")) for row in rows if isinstance(row, dict))
    examples = [{k: _plain(v) for k, v in row.items()} for row in rows[:MAX_EXAMPLES] if isinstance(row, dict)]
    return Bevinding(
        regel=regel,
        geslaagd=bool(result.success),
        aantal=int(details.get("unexpected_count") or 0),
        totaal=int(details.get("element_count") or 0),
        per_bron=dict(per_bron),
        voorbeelden=examples,
    )


def run_check(
    controle: Controle,
    pipeline_db: Path,
    warehouse_dir: Path,
    *,
    run_key: str | None = None,
    thresholds: Thresholds | None = None,
    data_docs: bool = True,
    expected_checks: set[str] | None = None,
) -> Uitkomst:
    """Evaluate every expectation of one check on its frames; build the Data Docs of the run.

    With `expected_checks` (the names of the checks this run executes) the docs are built once,
    by the last of them (or by a blocking failure); without, by this check."""
    started = time.monotonic()
    thresholds = thresholds or thresholds_from_environment()
    run_key = run_key or datetime.now().strftime("%Y%m%d-%H%M%S")
    gx_sessie = sessie(warehouse_dir, run_key)
    expected = (expected_checks if expected_checks is not None else set()) | {controle.naam}
    bevindingen: list[Bevinding] = []
    with gx_sessie.lock:
        frames = gx_sessie.frames_for(controle, pipeline_db)
        for name, df in frames.items():
            outcome = gx_sessie.validate(controle, name, df, thresholds.gx_parameters())
            regels = controle.regels_op(name)
            for regel, result in zip(regels, outcome.results, strict=True):
                bevindingen.append(_bevinding(regel, result))
        uitkomst = Uitkomst(controle, bevindingen, gx_sessie.docs_index if data_docs else None, 0.0, thresholds)
        if data_docs:
            gx_sessie.check_done(controle.naam, expected, build_now=uitkomst.blokkeert)
        else:
            gx_sessie.mark_done(controle.naam, expected)
    uitkomst.seconden = time.monotonic() - started
    return uitkomst


def mart_uitleg(pipeline_db: Path, soorten: list[str], ernst: str = "fout") -> dict[str, list[tuple[str, str | None, str]]]:
    """For a blocking message: per kind, the rows of marts.fct_afwijkingen (bron, bestand, uitleg)."""
    import duckdb

    if not soorten:
        return {}
    con = duckdb.connect(str(pipeline_db), read_only=True)
    try:
        rows = con.execute(
            "SELECT soort, bron, bestand, uitleg FROM marts.fct_afwijkingen WHERE ernst = ? AND list_contains(?, soort) "
            "ORDER BY bron, sinds NULLS LAST, bestand",
            [ernst, soorten],
        ).fetchall()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    found: dict[str, list[tuple[str, str | None, str]]] = {}
    for soort, bron, bestand, text in rows:
        found.setdefault(soort, []).append((bron, bestand, text))
    return found

