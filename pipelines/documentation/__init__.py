"""dbt's documentation site as one offline file: `<warehouse>/docs/index.html`.

`dbt docs generate --static` writes a single HTML file with the manifest (models, tests,
descriptions, lineage) and the catalog (tables, columns, types, comments) embedded, so it opens
from disk without a web server and without the internet. The nightly run writes it after the
publish (asset `published/docs`), and `lvv-monitor docs` writes it on demand.

What it holds: names, descriptions, SQL and the lineage from the raw zone (the dbt sources) to
the marts; never a row of data. dbt-duckdb's catalog has no table statistics (only
`has_stats: false`), and before the file is swapped in, the output scanner looks for every
identifier of the restricted zone in it (as for the published file).

The site depends on the code, not on the rows: when the project (pipelines/nightly_fingerprint.py's
`project_digest`: code, dbt project, seeds, stack versions, settings), the warehouse path in the
compiled SQL and the tables and columns of the pipeline database are what they were when the
site was last written, the site is not generated again (issue 12: no work twice; ~2–6 s a
night). The identifier scan still runs on the kept site against tonight's restricted zone.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Callable

from pipelines.config import DBT_PROJECT_DIR, PIPELINE_DB_NAME

DOCS_DIR_NAME = "docs"
DOCS_FILE_NAME = "index.html"
# Beside the site: the fingerprint of what it was generated from (see the module docstring).
FINGERPRINT_FILE_NAME = ".index.html.fingerprint"

Progress = Callable[[str], None]


class DocsError(RuntimeError):
    """dbt could not write its documentation, or the result failed a check; nothing was replaced."""


class NoPipelineDatabase(DocsError):
    """There is no warehouse to document yet (exit code 2 on the command line, like a missing file)."""


def docs_path(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / DOCS_DIR_NAME / DOCS_FILE_NAME


def write_dbt_docs(warehouse_dir: Path, *, progress: Progress | None = None) -> Path:
    """`dbt docs generate --static` against the warehouse's pipeline database, checked, then
    swapped in as `<warehouse>/docs/index.html`. Returns its path; raises `DocsError`."""
    say = progress or (lambda message: None)
    warehouse_dir = Path(warehouse_dir).resolve()
    pipeline_db = warehouse_dir / PIPELINE_DB_NAME
    if not pipeline_db.is_file():
        raise NoPipelineDatabase(f"geen pijplijndatabase op {pipeline_db}; draai eerst `lvv-monitor run`")
    out = docs_path(warehouse_dir)
    fingerprint = docs_fingerprint(warehouse_dir)
    if _site_is_current(out, fingerprint):
        _check_no_identifiers(out, pipeline_db)
        say("de code en de tabellen zijn niet veranderd sinds de vorige site: niet opnieuw gemaakt")
        return out
    target_dir = warehouse_dir / "dbt" / "docs"
    say("dbt docs generate --static")
    _generate(warehouse_dir, target_dir)
    static = target_dir / "static_index.html"
    if not static.is_file():
        raise DocsError(f"dbt schreef geen {static}")
    _check_no_data(target_dir / "catalog.json", static, pipeline_db)
    out.parent.mkdir(parents=True, exist_ok=True)
    _fingerprint_path(out).unlink(missing_ok=True)  # a crash between the two writes means: generate again
    temp = out.with_name(f".{out.name}.tmp-{secrets.token_hex(4)}")
    try:
        shutil.copyfile(static, temp)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    _fingerprint_path(out).write_text(fingerprint, encoding="utf-8")
    say(f"documentatie: {out}")
    return out


def docs_fingerprint(warehouse_dir: Path) -> str:
    """What the site is generated from: the project, the warehouse path (it stands in the
    compiled SQL) and the tables, columns, types and comments of the pipeline database (the catalog)."""
    import duckdb

    from pipelines.nightly_fingerprint import project_digest

    con = duckdb.connect(str(Path(warehouse_dir) / PIPELINE_DB_NAME), read_only=True)
    try:
        columns = con.execute(
            "select schema_name, table_name, column_index, column_name, data_type, coalesce(comment, '') "
            "from duckdb_columns() where database_name = current_database() order by all"
        ).fetchall()
        tables = con.execute(
            "select schema_name, table_name, coalesce(comment, '') from duckdb_tables() "
            "where database_name = current_database() union all "
            "select schema_name, view_name, coalesce(comment, '') from duckdb_views() "
            "where database_name = current_database() and not internal order by all"
        ).fetchall()
    finally:
        con.close()
    digest = hashlib.sha256(project_digest().encode())
    digest.update(json.dumps([str(Path(warehouse_dir).resolve()), tables, columns], default=str).encode())
    return digest.hexdigest()


def _fingerprint_path(site: Path) -> Path:
    return site.with_name(FINGERPRINT_FILE_NAME)


def _site_is_current(site: Path, fingerprint: str) -> bool:
    marker = _fingerprint_path(site)
    return site.is_file() and marker.is_file() and marker.read_text(encoding="utf-8").strip() == fingerprint


def _generate(warehouse_dir: Path, target_dir: Path) -> None:
    """Run dbt's `docs generate` in this process with the pipeline's parsed project (the same
    lock, warehouse variable and release of the database as the builds, pipelines/defs/dbt_in_process.py)."""
    from dbt.cli.main import dbtRunner

    from pipelines.defs.dbt_in_process import _DBT_LOCK, BUILD_TARGET, _release_database, parsed_project, warehouse_vars

    args = [
        "docs", "generate", "--static", "--quiet",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target", BUILD_TARGET,
        "--target-path", str(target_dir), "--log-path", str(warehouse_dir / "logs"),
        *warehouse_vars(warehouse_dir, read_only=True),
    ]
    with _DBT_LOCK:
        manifest = parsed_project()
        try:
            outcome = dbtRunner(manifest=manifest).invoke(args)
        finally:
            _release_database()
    if not outcome.success:
        raise DocsError(f"dbt docs generate mislukt: {outcome.exception or 'zie ' + str(warehouse_dir / 'logs' / 'dbt.log')}")


def _check_no_data(catalog: Path, static: Path, pipeline_db: Path) -> None:
    """Refuse a site with table statistics (row counts, sizes) or any identifier of the restricted zone."""
    nodes = json.loads(catalog.read_text(encoding="utf-8"))
    with_stats = [
        name for section in ("nodes", "sources") for name, node in nodes.get(section, {}).items()
        if set(node.get("stats", {})) - {"has_stats"}
    ]
    if with_stats:
        raise DocsError(f"de catalogus van dbt bevat tabelstatistieken ({with_stats[0]} …); niet geschreven")
    _check_no_identifiers(static, pipeline_db)


def _check_no_identifiers(site: Path, pipeline_db: Path) -> None:
    from pipelines.publish.scanner import scan_for_identifiers

    findings = scan_for_identifiers([site], pipeline_db)
    if findings:
        raise DocsError(f"identificerende gegevens in de dbt-documentatie: {findings[0]}; niet geschreven")


__all__ = ["DOCS_DIR_NAME", "DocsError", "NoPipelineDatabase", "docs_path", "write_dbt_docs"]
