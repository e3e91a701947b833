"""dbt-core run in this Python process: parse once, build every warehouse with that parse.

Why not dagster-dbt's `DbtCliResource`: it starts a `dbt` subprocess for every build, and before
each one a second one (`dbt --version`) plus an in-process adapter it only needs for column
metadata. Each dbt process imports dbt again (~3.5 s) and re-reads the project; and because dbt
re-parses the whole project whenever the connection settings change (the DuckDB path is one of
them), every new warehouse folder cost a full parse. On the demo that was ~30 of the ~70 seconds
of a run; the dbt work itself is ~11 s (issue 2: scale 1 under 30 s).

So here:

- the project is parsed with the `parse` target of `profiles.yml`, whose path never changes
  (parsing does not open the database), so dbt's partial parsing stays valid for every
  warehouse; a parse of an unchanged project takes ~0.4 s, a full one ~6 s (once per change);
- the parsed manifest is kept in memory and handed to dbt's programmatic `dbtRunner` for each
  `dbt build`, which then skips parsing altogether; the build itself uses the `dev` target,
  whose path is `<warehouse>/lvv.duckdb` with the warehouse passed as the dbt variable
  `lvv_warehouse` of the invocation (`--vars`; profiles.yml falls back to `$LVV_WAREHOUSE`
  for dbt run by hand), so no environment variable is set on the process's behalf;
- dbt's result events are turned into Dagster events by dagster-dbt's own translation
  (`DbtCoreCliEventMessage`), so materializations and asset checks look exactly as they did
  with the subprocess, and a subset selected in the UI builds only that subset.

The assets themselves are still declared with dagster-dbt's `@dbt_assets` (pipelines/defs/dbt_assets.py).
"""


import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.config import DBT_PROJECT_DIR, SEEDS_DIR
from pipelines.log import progress_logger

PARSE_TARGET = "parse"
BUILD_TARGET = "dev"
WAREHOUSE_VAR = "lvv_warehouse"  # read by profiles.yml for the `dev` target's path
ACCESS_MODE_VAR = "lvv_access_mode"  # read by profiles.yml: DuckDB's access_mode (default automatic)
TARGET_DIR = DBT_PROJECT_DIR / "target"
RESULT_EVENTS = {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}
_PROJECT_FILE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}
_SKIPPED_FOLDERS = {"target", "logs", "dbt_packages"}

# dbt-core keeps global state (flags, adapters): one invocation at a time per process.
_DBT_LOCK = threading.RLock()
_parsed: dict[str, Any] = {}


def newest_project_change() -> float:
    """The newest modification time of the files dbt parses (models, macros, YAML, seeds)."""
    newest = 0.0
    for folder in (DBT_PROJECT_DIR, SEEDS_DIR):
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in _SKIPPED_FOLDERS and not d.startswith(".")]
            for name in files:
                if Path(name).suffix in _PROJECT_FILE_SUFFIXES:
                    newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return newest


def _parse_still_valid(manifest, parsed_at: float) -> bool:
    """True while no project file changed and every environment variable the project read while
    parsing (the thresholds of the deviation models) still has the value it had then."""
    from dbt.constants import DEFAULT_ENV_PLACEHOLDER

    if newest_project_change() > parsed_at:
        return False
    for name, value in manifest.env_vars.items():
        current = os.environ.get(name)
        if (value == DEFAULT_ENV_PLACEHOLDER and current is not None) or (
            value != DEFAULT_ENV_PLACEHOLDER and current != value
        ):
            return False
    return True


def parsed_project():
    """The parsed dbt project (a dbt `Manifest`), parsed at most once per change of the project.

    Also writes `dbt_project/target/manifest.json`, which `@dbt_assets` reads to declare the assets."""
    from dbt.cli.main import dbtRunner

    with _DBT_LOCK:
        cached = _parsed.get("manifest")
        if cached is not None and _parse_still_valid(cached, _parsed["parsed_at"]):
            return cached
        parse_started = newest_project_change()
        progress_logger.info("dbt: project parsen")
        args = [
            "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target", PARSE_TARGET, "--target-path", str(TARGET_DIR), "--log-path", str(DBT_PROJECT_DIR / "logs"),
        ]
        if _manifest_file_is_current(parse_started):
            args.append("--no-write-json")  # only the in-memory manifest is needed; writing it costs ~0.3 s
        result = dbtRunner().invoke(args)
        if not result.success:
            raise RuntimeError(
                f"dbt kon het project in {DBT_PROJECT_DIR} niet lezen: {result.exception}. "
                f"Draai `dbt parse --project-dir {DBT_PROJECT_DIR} --profiles-dir {DBT_PROJECT_DIR}` voor de details."
            )
        _parsed.update(manifest=result.result, parsed_at=parse_started)
        return result.result


def _manifest_file_is_current(newest_change: float) -> bool:
    manifest = TARGET_DIR / "manifest.json"
    return manifest.exists() and manifest.stat().st_mtime >= newest_change


def manifest_path() -> Path:
    """`target/manifest.json`, parsed again first when the project changed since it was written."""
    if not _manifest_file_is_current(newest_project_change()):
        parsed_project()
    return TARGET_DIR / "manifest.json"


def warehouse_vars(warehouse_dir: Path, read_only: bool = False) -> list[str]:
    """The `--vars` of a dbt invocation on `warehouse_dir`: profiles.yml builds the `dev` target's
    path from the variable `lvv_warehouse` (so the process's environment is left alone).
    `read_only`: open the database read-only (`dbt docs generate`, which only reads the catalog:
    a read-write open would rewrite the file's headers, and the identifier scanner would then
    see a new state of the restricted zone and load its identifiers again)."""
    values = {WAREHOUSE_VAR: str(warehouse_dir)}
    if read_only:
        values[ACCESS_MODE_VAR] = "read_only"
    return ["--vars", json.dumps(values)]


def _release_database() -> None:
    """Close the DuckDB handle dbt-duckdb keeps open after an invocation.

    dbt-duckdb holds its database open at class level until the next invocation with other
    settings (or the end of the process). Another process (an analyst's reader, the next run)
    would find the pipeline database locked, so close it as soon as the build is done."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        with contextlib.suppress(Exception):
            environment.close()
    DuckDBConnectionManager.close_all_connections()


def _selection_args(context: dg.AssetExecutionContext) -> tuple[list[str], str | None, dict, Any, Any]:
    """The dbt selection for what this step materializes (everything of the asset, or the
    subset picked in the UI), with dagster-dbt's own rules."""
    from dagster_dbt.asset_utils import (
        DAGSTER_DBT_EXCLUDE_METADATA_KEY,
        DAGSTER_DBT_SELECT_METADATA_KEY,
        DAGSTER_DBT_SELECTOR_METADATA_KEY,
        get_manifest_and_translator_from_dbt_assets,
        get_subset_selection_for_context,
    )

    manifest, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    op = context.op_execution_context.op
    selection_args, indirect_selection = get_subset_selection_for_context(
        context=context,
        manifest=manifest,
        select=op.tags.get(DAGSTER_DBT_SELECT_METADATA_KEY),
        exclude=op.tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
        selector=op.tags.get(DAGSTER_DBT_SELECTOR_METADATA_KEY),
        dagster_dbt_translator=translator,
        current_dbt_indirect_selection_env=os.environ.get("DBT_INDIRECT_SELECTION"),
    )
    return selection_args, indirect_selection, manifest, translator, project


def _progress(event: dict) -> None:
    data = event["data"]
    node = data.get("node_info", {})
    status = (node.get("node_status") or data.get("status") or "").lower()
    name = node.get("node_name") or node.get("unique_id", "?")
    if event["info"]["name"] == "LogTestResult":
        if status not in ("pass", "success"):
            progress_logger.warning(f"dbt-test {status}: {name}")
    elif status in ("success", "pass"):
        progress_logger.info(f"dbt: {name} gebouwd")
    else:
        progress_logger.warning(f"dbt: {name} {status}")


def _failure_summary(outcome) -> str:
    """What failed in a dbt build, node by node, in a sentence a user can act on."""
    if outcome.exception is not None:
        return f"dbt kon niet draaien: {outcome.exception}"
    failed = [
        f"{result.node.resource_type} {result.node.name}: {str(result.status).lower()}"
        + (f" ({result.message.strip().splitlines()[0]})" if result.message else "")
        for result in getattr(outcome.result, "results", [])
        if str(result.status).lower() in ("error", "fail", "runtime error")
    ]
    return "dbt build mislukt: " + ("; ".join(failed) if failed else "zie het dbt-log")


class DbtInProcess(dg.ConfigurableResource):
    """Builds the dbt project (dbt_project/) in this process; see the module docstring."""

    def build(self, context: dg.AssetExecutionContext, warehouse_dir: Path) -> Iterator[Any]:
        """`dbt build` of what this asset step materializes, into `warehouse_dir/lvv.duckdb`.

        Yields a Dagster `Output` per model/seed and an `AssetCheckResult` per dbt test; raises
        `dg.Failure` (after yielding what did succeed) when dbt reports an error."""
        from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        warehouse_dir = Path(warehouse_dir).resolve()
        selection, indirect_selection, manifest, translator, project = _selection_args(context)
        results: list[dict] = []

        def collect(message) -> None:
            if message.info.name in RESULT_EVENTS:
                event = msg_to_dict(message)
                results.append(event)
                _progress(event)

        args = [
            "build", *selection,
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target", BUILD_TARGET,
            "--target-path", str(warehouse_dir / "dbt" / context.op_execution_context.op.name),
            "--log-path", str(warehouse_dir / "logs"),
        ]
        if indirect_selection:
            args += ["--indirect-selection", indirect_selection]
        # dbt unit tests check the SQL on hand-made inputs, not the night's data: they run in
        # the test suite (tests/test_dbt_unit_tests.py), never in a build.
        args += ["--exclude-resource-type", "unit_test", *warehouse_vars(warehouse_dir)]
        with _DBT_LOCK:
            parsed = parsed_project()
            try:
                outcome = dbtRunner(manifest=parsed, callbacks=[collect]).invoke(args)
            finally:
                _release_database()
        for event in results:
            yield from DbtCoreCliEventMessage(raw_event=event, event_history_metadata={}).to_default_asset_events(
                manifest=manifest, dagster_dbt_translator=translator, context=context, project=project
            )
        if not outcome.success:
            log = warehouse_dir / "logs" / "dbt.log"
            raise dg.Failure(description=_failure_summary(outcome) + f". Volledige dbt-uitvoer: {log}")
