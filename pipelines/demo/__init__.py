"""Synthetic demo deliveries for the landelijke monitor LVV, calibrated to the letter of
17 November 2020 (see `calibration.py`). All data is made up.

- `write_demo_feeds(landing, seed, scale, progress)`: write a complete landing folder.
- `build_population(seed, scale)`: the in-memory model the files are written from.
- `monitor_table(population, peildatum)`: the monitor of MONITOR.md computed from that model.
"""

from .calibration import PEILDATA, PEILDATUM, PILOTS, TARGET, target_row
from .feeds import write_demo_feeds
from .model import Population
from .population import DEFAULT_SEED, build_population, iter_replicas
from .reference import monitor_table

__all__ = [
    "DEFAULT_SEED", "PEILDATA", "PEILDATUM", "PILOTS", "TARGET", "Population", "build_population", "iter_replicas",
    "monitor_table", "target_row", "write_demo_feeds",
]
