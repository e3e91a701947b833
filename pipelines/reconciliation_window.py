"""The reconciliation window, defined once: how many days after the uitstroom a record of the IND
or the DT&V still confirms (or contradicts) the end of a stay.

MONITOR.md sets the window W = [instroomdatum, uitstroomdatum + 30 days], both ends included.
The number lives in one place, the dbt var `reconciliatie_venster_dagen` in
`dbt_project/dbt_project.yml`; like the expectations' thresholds it can be overridden for a run
with the environment variable `LVV_RECONCILIATIE_VENSTER_DAGEN`. dbt reads it through the macro
`reconciliatie_venster_dagen()` (`dbt_project/macros/reconciliatie_venster.sql`); everything in
Python (the report's words, the expectation suites' descriptions, the demo's reference figures,
the benchmark's floor) reads it here, so text and figures always name the same window.

The value is read when it is used, not at import: the run that builds the figures and the
report that describes them see the same environment.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

import yaml

from pipelines.config import DBT_PROJECT_DIR

DBT_VAR = "reconciliatie_venster_dagen"
ENV_VAR = "LVV_RECONCILIATIE_VENSTER_DAGEN"
# Where a text (a suite's description) names the window: replaced by the number of days.
PLACEHOLDER = "{" + DBT_VAR + "}"


class WindowConfigError(ValueError):
    """The window in the environment or in dbt_project.yml is not a whole number of days ≥ 0."""


def _as_days(raw: object, where: str) -> int:
    text = str(raw).strip()
    if not re.fullmatch(r"[0-9]+", text):
        raise WindowConfigError(f"{where}={raw!r} is ongeldig: verwacht een geheel aantal dagen ≥ 0")
    return int(text)


@lru_cache(maxsize=1)
def default_window_days() -> int:
    """The default of the window: the dbt var in dbt_project.yml (the contract's 30 days)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    try:
        raw = project["vars"][DBT_VAR]
    except (KeyError, TypeError):
        raise WindowConfigError(f"dbt_project.yml mist vars.{DBT_VAR}") from None
    return _as_days(raw, f"dbt_project.yml vars.{DBT_VAR}")


def window_days() -> int:
    """The window of this run: `LVV_RECONCILIATIE_VENSTER_DAGEN` when set, else the default."""
    raw = os.environ.get(ENV_VAR)
    if raw is None or not raw.strip():
        return default_window_days()
    return _as_days(raw, ENV_VAR)


def fill_in(text: str) -> str:
    """`text` with every `{reconciliatie_venster_dagen}` replaced by the window of this run."""
    return text.replace(PLACEHOLDER, str(window_days()))
