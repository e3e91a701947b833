"""Resources, configured from the environment (LVV_LANDING, LVV_WAREHOUSE)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.config import Paths, landing_from_env, warehouse_from_env


class WarehouseResource(dg.ConfigurableResource):
    """Where the landing folder and the warehouse folder are."""

    landing_dir: str
    warehouse_dir: str

    @property
    def paths(self) -> Paths:
        return Paths(landing=Path(self.landing_dir), warehouse=Path(self.warehouse_dir))


def warehouse_from_environment() -> WarehouseResource:
    return WarehouseResource(landing_dir=str(landing_from_env()), warehouse_dir=str(warehouse_from_env()))
