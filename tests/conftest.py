"""Shared fixtures: one real run of the whole job on the demo data, reused read-only by tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class DemoWarehouse:
    landing: Path
    warehouse: Path
    outcome: object

    @property
    def pipeline_db(self) -> Path:
        return self.warehouse / "lvv.duckdb"


@pytest.fixture(scope="session")
def demo_env():
    """Demo mode: the visible demo pseudonym key, no real key needed."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LVV_DEMO", "1")
    mp.delenv("LVV_PSEUDONYM_KEY", raising=False)
    yield mp
    mp.undo()


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory, demo_env) -> DemoWarehouse:
    """The demo feeds (scale 1) through the whole asset graph, in-process, once per session."""
    from pipelines.demo import write_demo_feeds
    from pipelines.runner import run_monitor

    tmp = tmp_path_factory.mktemp("demo")
    landing, warehouse = tmp / "landing", tmp / "warehouse"
    write_demo_feeds(landing)
    outcome = run_monitor(landing, warehouse)
    assert outcome.success, f"demo run failed in {outcome.failed_step}: {outcome.error}"
    return DemoWarehouse(landing, warehouse, outcome)
