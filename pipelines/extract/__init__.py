"""Evaluation extracts for the WODC: `write_extract(published_db, peildatum, out_dir) -> Manifest`.

An extract is a folder with, per table, a Parquet and a CSV file:

- `verblijven`: microdata, one row per stay started on or before the peildatum, with an
  extract-only pseudonym (HMAC with a fresh random salt that is not stored), k-anonymous (k = 5)
  on the quasi-identifiers (see `microdata.py` and `sdc.py`), coordinated with the tables'
  suppression (`coordination.py`);
- `monitor_peildatum`, `instroom_per_kwartaal`, `uitstroom_per_kwartaal`: aggregate tables with
  primary (cells under 10) and secondary suppression (see `aggregates.py` and `cells.py`),
  `onderdrukte_cellen` listing every suppressed cell;
- `sdc_rapport` (what the disclosure control changed) and `codeboek` (every column);

plus `CODEBOOK.md`, `README.md` and `manifest.json` (sha256 of every file, parameters, code
version, the deliveries used).

It reads only the published file (`monitor.duckdb`), never the pipeline database. The folder is
written aside and renamed into place when complete and checked: the microdata are read back and
checked for k-anonymity, every published aggregate cell is at least the threshold, no
suppressed cell can be recomputed, nor recovered exactly by the attack of `audit.py` with the
microdata as written, and no file holds a forbidden column or any of the published
file's person and stay keys (so an extract cannot be linked back to the published file).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.extract.aggregates import AggregateError, build_aggregates
from pipelines.extract.audit import microdata_evidence, recovered_cells
from pipelines.extract.cells import recomputable_cells
from pipelines.extract.codebook import codebook_markdown, codebook_rows, readme
from pipelines.extract.coordination import protect_together
from pipelines.extract.microdata import OUTPUT_COLUMNS, QI_COLUMNS, read_stays, released_qi_keys
from pipelines.extract.sdc import MIN_CELL, K, k_anonymity_violations
from pipelines.pseudonym import DEMO_KEY, is_demo_mode, pseudonym_key
from pipelines.publish import code_version, fsync_path
from pipelines.publish.files import file_sha256
from pipelines.publish.scanner import scan_with_identifiers

NATIONALITY_MIN_GROUP = 10
MAX_SUPPRESSION_SHARE = 0.05
FORMAT_VERSION = 1

Progress = Callable[[str], None]


class ExtractError(RuntimeError):
    """The extract was refused or failed a check; nothing was written to the output folder."""


@dataclass
class Manifest:
    path: Path
    peildatum: date
    created_at: str
    is_demo: bool
    code_version: str
    parameters: dict
    published: dict
    deliveries: list[dict]
    files: list[dict]
    disclosure_control: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("path")
        data["peildatum"] = self.peildatum.isoformat()
        return {"pakket": "evaluatie-extract landelijke monitor LVV", "formaat_versie": FORMAT_VERSION, **data}


SCHEMAS: dict[str, pa.Schema] = {
    "verblijven": pa.schema(
        [(c, pa.bool_() if c == "in_doelgroep" else pa.string()) for c in OUTPUT_COLUMNS]
    ),
    "instroom_per_kwartaal": pa.schema([
        ("peildatum", pa.date32()), ("pilot", pa.string()), ("kwartaal", pa.string()),
        ("aantal_verblijven", pa.int64()), ("onderdrukt", pa.string()),
    ]),
    "uitstroom_per_kwartaal": pa.schema([
        ("peildatum", pa.date32()), ("pilot", pa.string()), ("kwartaal", pa.string()),
        ("uitstroomcategorie", pa.string()), ("aantal_verblijven", pa.int64()), ("onderdrukt", pa.string()),
    ]),
    "onderdrukte_cellen": pa.schema([(c, pa.string()) for c in ("tabel", "rij", "kwartaal", "kolom", "soort")]),
    "sdc_rapport": pa.schema([
        ("stap", pa.int64()), ("soort", pa.string()), ("kenmerk", pa.string()), ("van", pa.string()),
        ("naar", pa.string()), ("records_gewijzigd", pa.int64()), ("cellen_gewijzigd", pa.int64()),
        ("records_in_overtreding_na", pa.int64()), ("beschrijving", pa.string()),
    ]),
    "codeboek": pa.schema([(c, pa.string()) for c in ("tabel", "kolom", "type", "betekenis", "codes", "bron", "regel")]),
}


def _monitor_schema(frame: pd.DataFrame) -> pa.Schema:
    fields = []
    for column in frame.columns:
        if column == "peildatum":
            fields.append((column, pa.date32()))
        elif column == "gemeente":
            fields.append((column, pa.string()))
        elif column == "capaciteit":
            fields.append((column, pa.int32()))
        else:
            fields.append((column, pa.int64()))
    return pa.schema(fields)


def _arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    columns = {}
    for f in schema:
        values = frame[f.name].astype(object).tolist() if f.name in frame.columns else [None] * len(frame)
        columns[f.name] = pa.array([None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values],
                                   type=f.type)
    return pa.table(columns, schema=schema)


def write_extract(
    published_db: Path, peildatum: date, out_dir: Path, *, k: int = K, min_cell: int = MIN_CELL,
    progress: Progress | None = None, demo: bool | None = None,
) -> Manifest:
    """Write an evaluation extract of the published file at `peildatum` into `out_dir` (new or empty).
    `demo`: demo mode as the command line says (None: `LVV_DEMO` says; pipelines/pseudonym.py).

    Raises `MissingPseudonymKey` without a key outside demo mode, `ExtractError` when the input
    is not a published monitor file, the peildatum is out of range, the folder is not empty, or a
    check fails (nothing is left in `out_dir` then).
    """
    say = progress or (lambda message: None)
    key = pseudonym_key(demo)  # refuses without LVV_PSEUDONYM_KEY outside demo mode
    if k < K or min_cell < MIN_CELL:
        raise ExtractError(f"k moet minstens {K} zijn en de celdrempel minstens {MIN_CELL}")
    published_db = Path(published_db).resolve()
    out_dir = Path(out_dir).resolve()
    if not published_db.exists():
        raise ExtractError(f"geen gepubliceerd bestand op {published_db}; draai eerst `lvv-monitor run`")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ExtractError(f"{out_dir} bestaat al en is niet leeg; kies een nieuwe map voor het extract")

    say(f"lezen: {published_db}")
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        publication = _publication(con, published_db)
        newest = publication["nieuwste_peildatum"]
        if newest is not None and peildatum > newest:
            raise ExtractError(
                f"peildatum {peildatum} ligt na de nieuwste levering ({newest}); kies een peildatum t/m {newest}"
            )
        stays = read_stays(con, peildatum)
        if stays.empty:
            raise ExtractError(f"geen enkel verblijf begon op of voor {peildatum}; niets om te leveren")
        say(f"tabellen: celonderdrukking (drempel {min_cell})")
        try:
            aggregates = build_aggregates(con, stays, peildatum, min_cell)
        except AggregateError as exc:
            raise ExtractError(str(exc)) from exc
        published_keys = _published_keys(con)
    finally:
        con.close()
    say(f"microdata: {len(stays)} verblijven, k-anonimiteit (k = {k}), afgestemd op de onderdrukte cellen")
    microdata = protect_together(
        stays, aggregates, secrets.token_bytes(32), k=k, min_cell=min_cell,
        nationality_min_group=NATIONALITY_MIN_GROUP, max_suppression_share=MAX_SUPPRESSION_SHARE,
    )
    say(f"microdata: verborgen voor onderdrukte cellen: {microdata.hidden}")

    is_demo = bool(publication["is_demo"]) or is_demo_mode(demo) or key == DEMO_KEY.encode("utf-8")
    result = microdata.result
    qis = {q: result.levels[q] for q in QI_COLUMNS}
    level_names = _level_names(microdata)
    steps = pd.DataFrame([asdict(s) for s in result.steps],
                         columns=[f.name for f in SCHEMAS["sdc_rapport"]])
    codebook = codebook_rows(result, level_names, k, min_cell)
    tables: dict[str, tuple[pd.DataFrame, pa.Schema]] = {
        "verblijven": (microdata.frame, SCHEMAS["verblijven"]),
        "monitor_peildatum": (aggregates.tables["monitor_peildatum"], _monitor_schema(aggregates.tables["monitor_peildatum"])),
        "instroom_per_kwartaal": (aggregates.tables["instroom_per_kwartaal"], SCHEMAS["instroom_per_kwartaal"]),
        "uitstroom_per_kwartaal": (aggregates.tables["uitstroom_per_kwartaal"], SCHEMAS["uitstroom_per_kwartaal"]),
        "onderdrukte_cellen": (aggregates.tables["onderdrukte_cellen"], SCHEMAS["onderdrukte_cellen"]),
        "sdc_rapport": (steps, SCHEMAS["sdc_rapport"]),
        "codeboek": (pd.DataFrame(codebook), SCHEMAS["codeboek"]),
    }

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    temp.mkdir()
    try:
        say(f"schrijven: {len(tables)} tabellen als Parquet en CSV")
        rows_of: dict[str, int] = {}
        writer = duckdb.connect()
        try:
            for name, (frame, schema) in tables.items():
                arrow = _arrow(frame, schema)
                rows_of[name] = arrow.num_rows
                writer.register("t", arrow)
                writer.execute(f"COPY (SELECT * FROM t) TO '{temp / (name + '.parquet')}' (FORMAT parquet)")
                writer.execute(f"COPY (SELECT * FROM t) TO '{temp / (name + '.csv')}' (FORMAT csv, HEADER true, DELIMITER ',')")
                writer.unregister("t")
        finally:
            writer.close()
        (temp / "CODEBOOK.md").write_text(codebook_markdown(codebook), encoding="utf-8")
        file_names = sorted(p.name for p in temp.iterdir()) + ["README.md", "manifest.json"]
        (temp / "README.md").write_text(readme(
            peildatum=peildatum, is_demo=is_demo, k=k, min_cell=min_cell, records_in=result.records_in,
            records_out=result.records_out, level_names=level_names,
            steps_text=[s.beschrijving for s in result.steps],
            primary=aggregates.suppression.primary, secondary=aggregates.suppression.secondary,
            files=sorted(file_names), published_at=str(publication["published_at"]),
            code_version=str(publication["code_version"]),
        ), encoding="utf-8")

        say("controleren: k-anonimiteit, celdrempel, terugrekenbaarheid, sleutels en kolomnamen")
        _check(temp, k, min_cell, aggregates, published_keys, len(result.removed))

        manifest = Manifest(
            path=out_dir,
            peildatum=peildatum,
            created_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            is_demo=is_demo,
            code_version=code_version(),
            parameters={
                "k": k, "quasi_identificatoren": QI_COLUMNS, "celdrempel": min_cell,
                "minimale_nationaliteitsgroep": NATIONALITY_MIN_GROUP,
                "max_aandeel_lokaal_onderdrukt": MAX_SUPPRESSION_SHARE,
                "pseudoniem": "HMAC-SHA256 met een willekeurig zout van 32 bytes per extract (niet bewaard), "
                              "16 hexadecimale tekens",
                "stand": "nieuwste (kennisstand 'nieuwste'), gebeurtenissen t/m de peildatum",
            },
            published={
                "bestand": PUBLISHED_DB_NAME,
                "sha256": file_sha256(published_db),
                "published_at": str(publication["published_at"]),
                "code_version": publication["code_version"],
                "is_demo": bool(publication["is_demo"]),
            },
            deliveries=publication["deliveries"],
            files=[
                {"pad": p.name, "sha256": file_sha256(p), "bytes": p.stat().st_size,
                 **({"rijen": rows_of[p.stem], "formaat": p.suffix.lstrip(".")} if p.stem in rows_of else {})}
                for p in sorted(temp.iterdir())
            ],
            disclosure_control={
                "generalisatie": {q: level_names[q] for q in qis},
                "records_in": result.records_in,
                "records_uit": result.records_out,
                "records_in_overtreding_voor_bescherming": result.violating_at_start,
                "records_met_onderdrukte_kenmerken": int(pd.concat(result.suppressed, axis=1).any(axis=1).sum()),
                "records_verwijderd": len(result.removed),
                "cellen_primair_onderdrukt": aggregates.suppression.primary,
                "cellen_secundair_onderdrukt": aggregates.suppression.secondary,
                "microdata_verborgen_voor_onderdrukte_cellen": microdata.hidden,
            },
        )
        (temp / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n",
                                           encoding="utf-8")
        for p in temp.iterdir():
            fsync_path(p)
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above)
        os.rename(temp, out_dir)
        fsync_path(out_dir.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    say(f"klaar: {out_dir}")
    return manifest


def _publication(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    try:
        rows = con.execute(
            "SELECT is_demo, published_at, code_version, nieuwste_peildatum FROM marts.publicatie"
        ).fetchall()
    except duckdb.Error as exc:
        raise ExtractError(
            f"{path} is geen gepubliceerd monitorbestand (geen marts.publicatie); gebruik {PUBLISHED_DB_NAME} "
            "uit de warehousemap, nooit de pijplijndatabase"
        ) from exc
    if len(rows) != 1:
        raise ExtractError(f"{path}: marts.publicatie moet precies één rij hebben")
    is_demo, published_at, version, newest = rows[0]
    deliveries = [
        {"bestand": name, "bron": bron, "bestandssoort": bestand, "peildatum": p.isoformat(), "sha256": sha}
        for name, bron, bestand, p, sha in con.execute(
            "SELECT file_name, bron, bestand, peildatum, sha256 FROM marts.publicatie_leveringen "
            "WHERE in_nieuwste_stand ORDER BY bron, bestand"
        ).fetchall()
    ]
    return {"is_demo": is_demo, "published_at": published_at, "code_version": version,
            "nieuwste_peildatum": newest, "deliveries": deliveries}


def _published_keys(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    keys: dict[str, str] = {}
    for table, column in (("fct_monitor_verblijven", "verblijf_key"), ("fct_monitor_verblijven", "persoon_key"),
                          ("dim_persoon", "persoon_key")):
        try:
            for (value,) in con.execute(f"SELECT DISTINCT {column} FROM marts.{table} WHERE {column} IS NOT NULL").fetchall():
                keys[str(value)] = f"gepubliceerde {column}"
        except duckdb.Error:
            continue
    return keys


def _level_names(microdata) -> dict[str, str]:
    from pipelines.extract import microdata as md

    names = {
        "instroomperiode": md.PERIOD_LEVELS, "uitstroomperiode": md.PERIOD_LEVELS,
        "dagen_in_lvv_klasse": [n for n, _ in md.DAYS_LEVELS] + [md.NOT_RELEASED],
        "leeftijdsklasse": [n for n, _ in md.AGE_LEVELS] + [md.NOT_RELEASED],
        "nationaliteitsgroep": md.NATIONALITY_LEVELS, "geslacht": ["M / V / X"], "pilot": ["pilot"],
        "in_doelgroep": ["ja / nee"],
    }
    return {q: names[q][level] for q, level in microdata.result.levels.items()}


def _check(folder: Path, k: int, min_cell: int, aggregates, published_keys: dict[str, str], removed: int) -> None:
    problems: list[str] = []
    con = duckdb.connect()
    try:
        for suffix in ("parquet", "csv"):
            source = (f"read_parquet('{folder / 'verblijven.parquet'}')" if suffix == "parquet"
                      else f"read_csv('{folder / 'verblijven.csv'}', header = true, all_varchar = true)")
            frame = con.execute(f"SELECT * FROM {source}").fetchdf()
            frame = frame.astype(object).where(frame.notna(), None)
            violations = k_anonymity_violations(released_qi_keys(frame), k)
            if len(violations):
                problems.append(f"verblijven.{suffix}: {len(violations)} combinaties komen minder dan {k} keer voor")
        for name in ("instroom_per_kwartaal", "uitstroom_per_kwartaal"):
            small = con.execute(
                f"SELECT count(*) FROM read_parquet('{folder / (name + '.parquet')}') WHERE aantal_verblijven < {min_cell}"
            ).fetchall()[0][0]
            if small:
                problems.append(f"{name}: {small} zichtbare cellen onder {min_cell}")
        monitor = con.execute(f"SELECT * FROM read_parquet('{folder / 'monitor_peildatum.parquet'}')").fetchdf()
        for column in monitor.columns:
            if column in ("peildatum", "gemeente", "capaciteit"):
                continue
            if (monitor[column].dropna() < min_cell).any():
                problems.append(f"monitor_peildatum.{column}: zichtbare cel onder {min_cell}")
    finally:
        con.close()
    status = aggregates.suppression.status
    exposed = recomputable_cells(aggregates.values, aggregates.constraints, set(status))
    if exposed:
        problems.append(f"{len(exposed)} onderdrukte cellen zijn terug te rekenen")
    # The attack of audit.py once more, on the microdata as written (Parquet).
    con = duckdb.connect()
    try:
        written = con.execute(f"SELECT * FROM read_parquet('{folder / 'verblijven.parquet'}')").fetchdf()
    finally:
        con.close()
    evidence = microdata_evidence(written, aggregates.values, status, removed)
    recovered = recovered_cells(aggregates.values, aggregates.constraints, status, min_cell, evidence)
    if recovered:
        problems.append(f"{len(recovered)} onderdrukte cellen zijn met de microdata exact terug te vinden")
    findings = scan_with_identifiers([folder], published_keys)
    if findings:
        problems.append("gevonden: " + "; ".join(str(f).replace(str(folder) + "/", "") for f in findings[:5]))
    if problems:
        raise ExtractError("extract afgekeurd, er is niets geschreven:\n  - " + "\n  - ".join(problems))


__all__ = ["ExtractError", "K", "MIN_CELL", "Manifest", "write_extract"]
