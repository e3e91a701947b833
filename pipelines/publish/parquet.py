"""The Parquet files beside the published file: one per table of the checked file, with the
descriptions as key-value metadata, for tools without DuckDB."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import duckdb

from pipelines.fsperm import publish_mode, published_dir
from pipelines.publish.files import PARQUET_TEMP_PREFIX, fsync_path
from pipelines.publish.quoting import ident, sql_literal

PARQUET_DIR_NAME = "parquet"


def write_parquet(checked: Path, warehouse_dir: Path) -> Path:
    """One Parquet file per table of the checked file, in a hidden folder beside it.

    Read from the file that passed the checks, so the Parquet files hold exactly what was
    checked; each carries the table's comment and a JSON of the column comments as key-value
    metadata (`beschrijving`, `kolommen`)."""
    folder = warehouse_dir / f"{PARQUET_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    published_dir(folder.mkdir() or folder)  # 0750 even under the services' UMask=0077
    con = duckdb.connect(str(checked), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()
        for name, comment in tables:
            columns = dict(con.execute(
                "SELECT column_name, coalesce(comment, '') FROM duckdb_columns() "
                "WHERE schema_name = 'marts' AND table_name = ? ORDER BY column_index", [name],
            ).fetchall())
            metadata = (f"beschrijving: {sql_literal(comment)}, "
                        f"kolommen: {sql_literal(json.dumps(columns, ensure_ascii=False))}")
            out = folder / f"{name}.parquet"
            con.execute(
                f"COPY marts.{ident(name)} TO {sql_literal(str(out))} "
                f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{metadata}}})"
            )
            publish_mode(out)  # 0640, like monitor.duckdb
            fsync_path(out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        con.close()
    return folder


def swap_parquet(new_folder: Path, warehouse_dir: Path) -> None:
    """Put the new Parquet folder in place of the old one (two renames; the old one goes)."""
    target = warehouse_dir / PARQUET_DIR_NAME
    old = warehouse_dir / f"{PARQUET_TEMP_PREFIX}old-{secrets.token_hex(4)}"
    if target.exists():
        os.replace(target, old)
    os.replace(new_folder, target)
    fsync_path(warehouse_dir)
    shutil.rmtree(old, ignore_errors=True)
