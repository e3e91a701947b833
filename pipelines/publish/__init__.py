"""Publish the marts: `monitor.duckdb`, the one file analysts open.

The pipeline database (`<warehouse>/lvv.duckdb`) is the restricted zone: raw rows, staging,
linkage, all with identifiers. Analysts get a separate DuckDB file, `<warehouse>/monitor.duckdb`,
that holds schema `marts` only (every table and view of the pipeline database's `marts`, as
tables, and its macros such as `marts.monitor_op(peildatum, as_reported)`), plus two tables that
say what it is:

- `marts.publicatie`: one row: is_demo, published_at (UTC), code_version, the newest peildatum,
  the number of deliveries used and the tables published;
- `marts.publicatie_leveringen`: the deliveries the marts were built from (file name, bron,
  bestand, peildatum, sha256, rows loaded, whether it is part of the newest state). No identifiers.

How a publish is made safe:

1. It refuses to run without a pseudonym key outside demo mode (`MissingPseudonymKey`).
2. The new file is built aside, as a hidden temporary file in the warehouse folder.
3. It is checked before anyone can see it: only schema `marts`, no forbidden column, no
   identifier of the restricted zone in any value or definition (the output scanner), the same
   rows as the source, and the macros give the same answers as in the pipeline database.
4. It is closed, fsynced and swapped in with `os.replace`, which is atomic: an analyst who has
   the old file open keeps reading the old file; a new connection sees the new one. The folder
   is fsynced so the swap survives a crash.
5. Anything that fails (or a kill halfway) leaves the previous `monitor.duckdb` untouched; the
   temporary file of an interrupted publish is removed by the next one. A lock file keeps two
   publishes from running at once.

What analysts' tools get from it:

- every table and column carries its description as a DuckDB comment (`duckdb_tables()`,
  `duckdb_columns()`, DBeaver's remarks): dbt writes the YAML descriptions of the marts as
  comments (`persist_docs`), and the copy keeps them;
- the file is written in DuckDB's storage format `v1.0.0` (`PUBLISHED_STORAGE_VERSION`), so
  every DuckDB from 1.0 on (the CLI, R's and DBeaver's drivers, Python) opens it, not only 2.x;
- `<warehouse>/parquet/<table>.parquet`: one Parquet file per table of the checked file, with
  the table's and the columns' descriptions as Parquet key-value metadata, for tools without
  DuckDB. It is written from the checked file and swapped in after it.

The steps live in modules of their own: build.py (the new file, aside), verify.py (its checks),
parquet.py (the Parquet files), files.py (lock, temporary files, fsync); model.py holds what they
share. This module only puts them in order.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pipelines.config import PUBLISHED_DB_NAME, published_db_path
from pipelines.fsperm import publish_mode
from pipelines.pseudonym import DEMO_KEY, is_demo_mode, pseudonym_key
from pipelines.publish.build import build
from pipelines.publish.files import LOCK_NAME, TEMP_PREFIX, fsync_path, publish_lock, remove, remove_stale_temp_files
from pipelines.publish.model import (
    PUBLISHED_STORAGE_VERSION,
    Progress,
    PublishedMacro,
    PublishError,
    code_version,
)
from pipelines.publish.parquet import PARQUET_DIR_NAME, swap_parquet, write_parquet
from pipelines.publish.verify import verify


def publish_warehouse(pipeline_db: Path, warehouse_dir: Path, *, progress: Progress | None = None,
                      demo: bool | None = None) -> Path:
    """Build `monitor.duckdb` from the marts of `pipeline_db`, check it, and swap it in atomically.
    `demo`: the run's demo mode (None: `LVV_DEMO` says; pipelines/pseudonym.py).

    Returns the path of the published file. Raises `MissingPseudonymKey` without a key outside
    demo mode and `PublishError` when the marts are missing or a check fails; in every failure
    the previously published file stays as it was.
    """
    say = progress or (lambda message: None)
    key = pseudonym_key(demo)  # MissingPseudonymKey outside demo mode without LVV_PSEUDONYM_KEY
    is_demo = is_demo_mode(demo) or key == DEMO_KEY.encode("utf-8")
    pipeline_db = Path(pipeline_db).resolve()
    warehouse_dir = Path(warehouse_dir).resolve()
    if not pipeline_db.exists():
        raise PublishError(f"geen pijplijndatabase op {pipeline_db}; draai eerst `lvv-monitor run`")
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    target = published_db_path(warehouse_dir)

    with publish_lock(warehouse_dir):
        remove_stale_temp_files(warehouse_dir)
        temp = warehouse_dir / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            say("bouwen: marts kopiëren naar een tijdelijk bestand")
            macros, row_counts = build(temp, pipeline_db, is_demo, say)
            say("controleren: schema's, kolommen, identificerende gegevens, macro's")
            verify(temp, pipeline_db, macros, row_counts)
            say("wegschrijven: fsync en atomair vervangen")
            fsync_path(temp)
            if Path(str(temp) + ".wal").exists():
                raise PublishError("het tijdelijke bestand heeft nog een WAL na sluiten; niet gepubliceerd")
            publish_mode(temp)  # 0640: the analysts' group reads it (pipelines/fsperm.py)
            parquet_temp = write_parquet(temp, warehouse_dir)
            os.replace(temp, target)
            fsync_path(warehouse_dir)
            swap_parquet(parquet_temp, warehouse_dir)
        except BaseException:
            remove(temp)
            raise
    say(f"gepubliceerd: {target}")
    return target


__all__ = [
    "LOCK_NAME", "PARQUET_DIR_NAME", "PUBLISHED_DB_NAME", "PUBLISHED_STORAGE_VERSION", "TEMP_PREFIX", "PublishError",
    "PublishedMacro", "code_version", "fsync_path", "publish_warehouse", "published_db_path",
]
