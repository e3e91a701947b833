"""Where things are: paths from the environment, with defaults that make a bare run work.

| variable | default | what |
|---|---|---|
| `LVV_LANDING` | `./data/landing` | the landing folder the sources deliver into |
| `LVV_WAREHOUSE` | `./data/warehouse` | the warehouse folder (pipeline database, published file, reports) |
| `LVV_DUCKDB_MEMORY_LIMIT` | `768MB` | DuckDB's memory cap in the dbt builds and the linkage (it spills beyond it) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"

LANDING_ENV = "LVV_LANDING"
WAREHOUSE_ENV = "LVV_WAREHOUSE"
DEFAULT_LANDING = Path("data/landing")
DEFAULT_WAREHOUSE = Path("data/warehouse")
MEMORY_LIMIT_ENV = "LVV_DUCKDB_MEMORY_LIMIT"
# Also the default in dbt_project/profiles.yml (tests/test_one_fact_one_place.py checks they agree).
# 768 MB: at 100x the demo the job then peaks at 1.38 GB (issue 12: <= 1.5 GB) instead of ~2.5 GB
# with 2 GB, at most ~5% slower (docs/decisions.md 24); DuckDB spills to disk where a join needs more.
DEFAULT_MEMORY_LIMIT = "768MB"

# The file names of the warehouse are defined here and nowhere else (issue 14; a test in
# tests/test_one_fact_one_place.py fails when one is spelled out elsewhere in the code).
# The restricted zone: raw rows, staging, linkage. Holds identifiers; never for analysts.
PIPELINE_DB_NAME = "lvv.duckdb"
# The published file: schema marts only, the one file analysts open (pipelines/publish).
PUBLISHED_DB_NAME = "monitor.duckdb"


@dataclass(frozen=True)
class Paths:
    landing: Path
    warehouse: Path

    @property
    def pipeline_db(self) -> Path:
        return pipeline_db_path(self.warehouse)

    @property
    def published_db(self) -> Path:
        return published_db_path(self.warehouse)


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap for the job's large connections (dbt reads the same variable)."""
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def connect_capped(database: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection under the job's memory cap, for the steps that share the job's process
    with dbt (the linkage and its Splink scoring). DuckDB is imported here, not at the top: this
    module is read before every run, also by a night that decides not to rebuild."""
    import duckdb

    return duckdb.connect(database, config={"memory_limit": duckdb_memory_limit()})


def pipeline_db_path(warehouse: Path) -> Path:
    """`<warehouse>/lvv.duckdb`, the pipeline database (restricted zone)."""
    return Path(warehouse) / PIPELINE_DB_NAME


def published_db_path(warehouse: Path) -> Path:
    """`<warehouse>/monitor.duckdb`, the published file."""
    return Path(warehouse) / PUBLISHED_DB_NAME


def landing_from_env() -> Path:
    return Path(os.environ.get(LANDING_ENV) or DEFAULT_LANDING).resolve()


def warehouse_from_env() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).resolve()


def paths_from_env() -> Paths:
    return Paths(landing=landing_from_env(), warehouse=warehouse_from_env())
