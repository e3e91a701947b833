"""Attack audit of an extract: which suppressed cells can an outsider recover exactly?

An exact interval audit by linear programming (scipy's HiGHS): every cell of the tables is a
variable; a published cell is fixed to its value; a primary-suppressed cell lies in 1..(threshold-1)
(the public rule "suppressed means 1–9"; 0..9 for a true zero), a secondary one at or above the
threshold; every relation (a total is the sum of its parts) is an equality. Optionally the
microdata of the same extract bound the monitor's pilot × uitstroomcategorie cells: at least the
records that certainly fall in them, at most those that possibly do. A suppressed cell whose
minimum equals its maximum is recovered exactly.

Used by tests (issue 13) to measure the extract; not yet part of `write_extract`'s check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from pipelines.extract.cells import CellId, Constraint
from pipelines.extract.microdata import CATEGORY_SUPPRESSED

TOTAL = "totaal"


def microdata_bounds(microdata: pd.DataFrame) -> dict[CellId, tuple[int, int]]:
    """Bounds on ("uitstroom", pilot, totaal, category) from released in-scope records."""
    bounds: dict[CellId, tuple[int, int]] = {}
    scope = microdata[microdata["in_doelgroep"].astype(bool)]
    pilots = sorted(p for p in scope["pilot"].dropna().unique())
    categories = sorted(c for c in scope["uitstroomcategorie"].dropna().unique() if c != CATEGORY_SUPPRESSED)
    unknown_pilot = scope["pilot"].isna()
    # A hidden category (`onderdrukt`, see microdata.hide_suppressed_categories) may be any one.
    unknown_category = scope["uitstroomcategorie"].isna() | (scope["uitstroomcategorie"] == CATEGORY_SUPPRESSED)
    for pilot in pilots:
        mine = scope[(scope["pilot"] == pilot) | unknown_pilot]
        for category in categories:
            certain = int(((mine["pilot"] == pilot) & (mine["uitstroomcategorie"] == category)).sum())
            possible = int(((mine["uitstroomcategorie"] == category) | unknown_category.loc[mine.index]).sum())
            bounds[("uitstroom", pilot, TOTAL, category)] = (certain, possible)
    return bounds


def recovered_cells(
    values: dict[CellId, int], constraints: list[Constraint], status: dict[CellId, str], threshold: int,
    extra_bounds: dict[CellId, tuple[int, int]] | None = None,
) -> dict[CellId, int]:
    """The suppressed cells an attacker pins down exactly (cell → value)."""
    cells = sorted(values, key=repr)
    position = {cell: i for i, cell in enumerate(cells)}
    matrix = np.zeros((len(constraints), len(cells)))
    for row, c in enumerate(constraints):
        matrix[row, position[c.total]] -= 1.0
        for part in c.parts:
            matrix[row, position[part]] += 1.0
    bounds = []
    for cell in cells:
        value, kind = values[cell], status.get(cell)
        if kind is None:
            low, high = value, value
        elif kind == "primair":
            low, high = (1 if value >= 1 else 0), threshold - 1
        else:
            low, high = threshold, None
        if extra_bounds and cell in extra_bounds and kind is not None:
            low = max(low, extra_bounds[cell][0])
            high = extra_bounds[cell][1] if high is None else min(high, extra_bounds[cell][1])
        bounds.append((low, high))
    zeros = np.zeros(len(constraints))
    recovered: dict[CellId, int] = {}
    for cell in (c for c in cells if c in status):
        objective = np.zeros(len(cells))
        objective[position[cell]] = 1.0
        low = linprog(objective, A_eq=matrix, b_eq=zeros, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=zeros, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            recovered[cell] = int(round(low.fun))
    return recovered


__all__ = ["microdata_bounds", "recovered_cells"]
