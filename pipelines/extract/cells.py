"""Cell suppression for aggregate tables: primary (small cells) and secondary (complementary).

A table is a set of cells (counts) and the additive relations between them (`Constraint`:
a total equals the sum of its parts; the row and column totals of a table, but also relations
between columns such as bestendig_totaal = bestendig_verblijf + terugkeer + doormigratie).
Cells shared by two tables (the same count published twice) have the same `CellId`, so the
tables are protected together.

1. **Primary suppression**: every count below the threshold (10) is suppressed.
2. **Secondary suppression**: as long as any suppressed cell can be recomputed exactly from the
   published cells through the relations, one more cell is suppressed: in a relation that holds
   a recomputable cell, the smallest published cell, preferring inner cells to totals.

"Recomputable" is decided exactly, by linear algebra: with the published cells filled in, the
relations form a linear system in the suppressed cells; a suppressed cell is determined when
every solution of the homogeneous system is zero in it, i.e. when it has no component in the
null space. This catches more than "one suppressed cell in a row or column": also the chains
and rectangles over several tables a simple row/column rule misses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CellId = tuple
# The margin of every table: a pilot, quarter or category of "totaal" is the sum over that dimension.
TOTAL = "totaal"


@dataclass(frozen=True)
class Constraint:
    total: CellId
    parts: tuple[CellId, ...]
    description: str = ""


@dataclass
class SuppressionResult:
    status: dict[CellId, str]  # cell → "primair" | "secundair" (suppressed cells only)
    iterations: int

    def is_suppressed(self, cell: CellId) -> bool:
        return cell in self.status

    @property
    def primary(self) -> int:
        return sum(1 for s in self.status.values() if s == "primair")

    @property
    def secondary(self) -> int:
        return sum(1 for s in self.status.values() if s == "secundair")


def _matrix(cells: list[CellId], constraints: list[Constraint]) -> np.ndarray:
    position = {cell: i for i, cell in enumerate(cells)}
    matrix = np.zeros((len(constraints), len(cells)))
    for row, constraint in enumerate(constraints):
        matrix[row, position[constraint.total]] -= 1.0
        for part in constraint.parts:
            matrix[row, position[part]] += 1.0
    return matrix


def recomputable_cells(
    values: dict[CellId, int], constraints: list[Constraint], suppressed: set[CellId]
) -> set[CellId]:
    """The suppressed cells that the relations and the published cells determine exactly."""
    if not suppressed:
        return set()
    cells = sorted(values, key=repr)
    matrix = _matrix(cells, constraints)
    hidden = [i for i, cell in enumerate(cells) if cell in suppressed]
    sub = matrix[:, hidden]
    if sub.size == 0 or not np.any(sub):
        # No relation touches a suppressed cell: none can be recomputed.
        return set()
    # x_i is determined exactly when the unit vector e_i lies in the row space of `sub`: when the
    # projection onto that row space, P = subᵀ (sub subᵀ)⁺ sub, has P_ii = 1. Computed with the
    # eigen-decomposition of the small Gram matrix sub subᵀ (constraints × constraints).
    gram = sub @ sub.T
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    keep = eigenvalues > max(eigenvalues.max(), 1.0) * 1e-10
    projected = eigenvectors[:, keep].T @ sub
    diagonal = np.sum(projected * projected / eigenvalues[keep][:, None], axis=0)
    determined = {cells[i] for j, i in enumerate(hidden) if diagonal[j] > 1 - 1e-6}
    return determined


def suppress_cells(
    values: dict[CellId, int], constraints: list[Constraint], threshold: int, *, max_iterations: int = 10_000,
    initial: dict[CellId, str] | None = None,
) -> SuppressionResult:
    """Primary suppression of every count below `threshold`, then secondary suppression until no
    suppressed cell is recomputable. `initial`: cells already suppressed (the bounds audit's
    extra secondary cells, pipelines/extract/audit.py)."""
    for constraint in constraints:
        for cell in (constraint.total, *constraint.parts):
            if cell not in values:
                raise KeyError(f"relatie {constraint.description or constraint} noemt onbekende cel {cell}")
    status: dict[CellId, str] = {cell: "primair" for cell, value in values.items() if value < threshold}
    status.update({cell: kind for cell, kind in (initial or {}).items() if cell not in status})
    totals = {c.total for c in constraints}
    by_cell: dict[CellId, list[Constraint]] = {}
    for constraint in constraints:
        for cell in (constraint.total, *constraint.parts):
            by_cell.setdefault(cell, []).append(constraint)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        exposed = recomputable_cells(values, constraints, set(status))
        if not exposed:
            return SuppressionResult(status, iterations)
        # For every exposed cell, hide one more cell in a relation that holds it: the smallest
        # published cell, inner cells before totals; ties by a stable order (reproducible runs).
        chosen: set[CellId] = set()
        for cell in sorted(exposed, key=repr):
            candidates: list[tuple[int, int, str, CellId]] = []
            for constraint in by_cell[cell]:
                members = (constraint.total, *constraint.parts)
                if any(m in chosen for m in members):
                    candidates = []
                    break
                candidates.extend((1 if m in totals else 0, values[m], repr(m), m) for m in members if m not in status)
            if candidates:
                chosen.add(min(candidates)[3])
        if not chosen:
            # Every relation of the exposed cells is fully suppressed: the cells are determined
            # through suppressed neighbours. Widen: the relations reachable over suppressed cells.
            reached, frontier, seen = set(), set(exposed), set()
            while frontier:
                cell = frontier.pop()
                seen.add(cell)
                for constraint in by_cell.get(cell, []):
                    reached.add(constraint)
                    for m in (constraint.total, *constraint.parts):
                        if m in status and m not in seen:
                            frontier.add(m)
            candidates = [(1 if m in totals else 0, values[m], repr(m), m)
                          for constraint in reached for m in (constraint.total, *constraint.parts) if m not in status]
            if not candidates:
                raise RuntimeError("secundaire onderdrukking: geen cel meer over om te onderdrukken")
            chosen.add(min(candidates)[3])
        for cell in chosen:
            status[cell] = "secundair"
    raise RuntimeError("secundaire onderdrukking: te veel iteraties")


__all__ = ["CellId", "Constraint", "SuppressionResult", "recomputable_cells", "suppress_cells"]
