"""Attack audit of an extract: which suppressed cells can an outsider recover exactly?

An exact interval audit by linear programming (scipy's HiGHS): every cell of the tables is a
variable; a published cell is fixed to its value; a primary-suppressed cell lies in 1..(threshold-1)
(the public rule "suppressed means 1–9"; 0..9 for a true zero), a secondary one at or above the
threshold; every relation (a total is the sum of its parts) is an equality. Optionally the
microdata of the same extract bound the monitor's pilot × uitstroomcategorie cells: at least the
records that certainly fall in them, at most those that possibly do. A suppressed cell whose
minimum equals its maximum is recovered exactly.

`protect_against_bounds` is part of the extract's secondary suppression (`build_aggregates`);
tests/test_extract_attack.py runs the attack on every CI run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from pipelines.extract.cells import CellId, Constraint, SuppressionResult, suppress_cells
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


def _bounds(value: int, kind: str, threshold: int) -> tuple[int, int | None]:
    """What the public rule tells an outsider about a suppressed cell: primary 1–9 (0–9 for a true
    zero, which the rule does not promise to publish), secondary at least the threshold."""
    if kind == "primair":
        return (1 if value >= 1 else 0), threshold - 1
    return threshold, None


def recovered_cells(
    values: dict[CellId, int], constraints: list[Constraint], status: dict[CellId, str], threshold: int,
    extra_bounds: dict[CellId, tuple[int, int]] | None = None,
) -> dict[CellId, int]:
    """The suppressed cells an attacker pins down exactly (cell → value).

    Only the suppressed cells are variables: the published ones are constants moved to the
    right-hand side (a smaller LP, ~3× faster than one variable per cell)."""
    hidden = sorted(status, key=repr)
    if not hidden:
        return {}
    position = {cell: i for i, cell in enumerate(hidden)}
    rows, rhs = [], []
    for c in constraints:
        terms = [(c.total, -1.0)] + [(part, 1.0) for part in c.parts]
        if not any(cell in position for cell, _ in terms):
            continue
        row = np.zeros(len(hidden))
        constant = 0.0
        for cell, sign in terms:
            if cell in position:
                row[position[cell]] += sign
            else:
                constant += sign * values[cell]
        rows.append(row)
        rhs.append(-constant)
    matrix = np.array(rows) if rows else np.zeros((0, len(hidden)))
    bounds = []
    for cell in hidden:
        low, high = _bounds(values[cell], status[cell], threshold)
        if extra_bounds and cell in extra_bounds:
            low = max(low, extra_bounds[cell][0])
            high = extra_bounds[cell][1] if high is None else min(high, extra_bounds[cell][1])
        bounds.append((low, high))
    equalities = dict(A_eq=matrix, b_eq=np.array(rhs)) if rows else {}
    recovered: dict[CellId, int] = {}
    for cell in hidden:
        objective = np.zeros(len(hidden))
        objective[position[cell]] = 1.0
        low = linprog(objective, bounds=bounds, method="highs", **equalities)
        high = linprog(-objective, bounds=bounds, method="highs", **equalities)
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            recovered[cell] = int(round(low.fun))
    return recovered


def protect_against_bounds(
    values: dict[CellId, int], constraints: list[Constraint], result: SuppressionResult, threshold: int,
    *, max_rounds: int = 100,
) -> SuppressionResult:
    """Secondary suppression until no suppressed cell is recovered by the bounds audit either.

    Why: `suppress_cells` proves only that no suppressed cell is a linear function of the
    published ones; with "suppressed means 1–9" a margin can still pin cells down (95 − 40 − 37 =
    18 for two cells < 10: both 9). Each round hides, for every recovered cell, the smallest
    published cell of one of its relations (inner cells before totals), then lets `suppress_cells`
    restore linear protection."""
    totals = {c.total for c in constraints}
    status = dict(result.status)
    iterations = result.iterations
    for _ in range(max_rounds):
        recovered = recovered_cells(values, constraints, status, threshold)
        if not recovered:
            return SuppressionResult(status, iterations)
        extra: dict[CellId, str] = {}
        for cell in sorted(recovered, key=repr):
            candidates = [(1 if m in totals else 0, values[m], repr(m), m)
                          for c in constraints if cell in (c.total, *c.parts)
                          for m in (c.total, *c.parts) if m not in status and m not in extra]
            if candidates:
                extra[min(candidates)[3]] = "secundair"
        if not extra:
            raise RuntimeError("secundaire onderdrukking: geen cel meer over tegen de grenzenaanval")
        again = suppress_cells(values, constraints, threshold, initial={**status, **extra})
        status, iterations = again.status, iterations + again.iterations
    raise RuntimeError("secundaire onderdrukking: te veel rondes tegen de grenzenaanval")


__all__ = ["microdata_bounds", "protect_against_bounds", "recovered_cells"]
