"""dbt's documentation site as one offline file: `<warehouse>/docs/index.html`.

`dbt docs generate --static` writes a single HTML file with the manifest (models, tests,
descriptions, lineage) and the catalog (tables, columns, types, comments) embedded, so it opens
from disk without a web server and without the internet. The nightly run writes it after the
publish (asset `published/docs`), and `lvv-monitor docs` writes it on demand.

What it holds: names, descriptions, SQL and the lineage from the raw zone (the dbt sources) to
the marts; never a row of data. dbt-duckdb's catalog has no table statistics (only
`has_stats: false`), and before the file is swapped in, the output scanner looks for every
identifier of the restricted zone in it (as for the published file).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Callable

from pipelines.config import DBT_PROJECT_DIR, PIPELINE_DB_NAME

DOCS_DIR_NAME = "docs"
DOCS_FILE_NAME = "index.html"

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
    target_dir = warehouse_dir / "dbt" / "docs"
    say("dbt docs generate --static")
    _generate(warehouse_dir, target_dir)
    static = target_dir / "static_index.html"
    if not static.is_file():
        raise DocsError(f"dbt schreef geen {static}")
    _check_no_data(target_dir / "catalog.json", static, pipeline_db)
    out = docs_path(warehouse_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.tmp-{secrets.token_hex(4)}")
    try:
        shutil.copyfile(static, temp)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    say(f"documentatie: {out}")
    return out


def _generate(warehouse_dir: Path, target_dir: Path) -> None:
    """Run dbt's `docs generate` in this process with the pipeline's parsed project (the same
    lock, warehouse variable and release of the database as the builds, pipelines/defs/dbt_in_process.py)."""
    from dbt.cli.main import dbtRunner

    from pipelines.defs.dbt_in_process import _DBT_LOCK, BUILD_TARGET, _release_database, parsed_project, warehouse_vars

    args = [
        "docs", "generate", "--static", "--quiet",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target", BUILD_TARGET,
        "--target-path", str(target_dir), "--log-path", str(warehouse_dir / "logs"), *warehouse_vars(warehouse_dir),
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
    from pipelines.publish.scanner import scan_for_identifiers

    nodes = json.loads(catalog.read_text(encoding="utf-8"))
    with_stats = [
        name for section in ("nodes", "sources") for name, node in nodes.get(section, {}).items()
        if set(node.get("stats", {})) - {"has_stats"}
    ]
    if with_stats:
        raise DocsError(f"de catalogus van dbt bevat tabelstatistieken ({with_stats[0]} …); niet geschreven")
    findings = scan_for_identifiers([static], pipeline_db)
    if findings:
        raise DocsError(f"identificerende gegevens in de dbt-documentatie: {findings[0]}; niet geschreven")


__all__ = ["DOCS_DIR_NAME", "DocsError", "NoPipelineDatabase", "docs_path", "write_dbt_docs"]
