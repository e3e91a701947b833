"""Attack audit of an extract: which suppressed cells can an outsider recover exactly?

An exact interval audit by linear programming (scipy's HiGHS). The attacker knows:

- **the tables**: every published cell; a primary-suppressed cell lies in 1..(threshold-1) (the
  public rule "suppressed means 1–9"; 0..9 for a true zero), a secondary one at or above the
  threshold (`onderdrukte_cellen` says which is which); every relation between the cells (a
  total is the sum of its parts). A relation that the true figures satisfy only as "at most" (a
  national person count is at most the sum of the pilots) is used as that inequality;
- **the microdata of the same extract** (`MicrodataEvidence`), counted two ways:
  - *stays* (the instroom and uitstroom tables count in-scope stays): every released record is
    a unit that lies in exactly one finest cell of each table among those its released values
    allow (pilot or any; a month, quarter or year, or any; its category, or any suppressed one
    for `onderdrukt`; nowhere for `in_doelgroep = false`, maybe nowhere when it is empty). A
    transportation problem: per group of records with the same possibilities, variables for how
    many lie in each cell, summing to the group's size, and every finest cell the sum of what
    lies in it (plus at most the number of removed records). This is the exact LP relaxation of
    what the microdata and one table say together;
  - *persons* (the monitor's ooit_opgevangen, aanwezig, scenario_* and buiten_doelgroep count
    distinct persons): per cell, at least the persons (`persoon_pseudoniem`) certainly in it and
    at most those possibly in it.

A suppressed cell whose minimum equals its maximum is recovered exactly. `audit` gives every
suppressed cell's interval; `recovered_cells` only the recovered ones, faster: a cell that two
feasible solutions already put at different values cannot be recovered and needs no LP of its
own. `protect` is the extract's last round of secondary suppression: it suppresses more (and the
microdata hide more, through their coordination with the tables) until nothing is recovered.

Limits (docs/privacy.md): the two tables are joined to the microdata each on its own (a record's
instroom and uitstroom quarter are not tied together in one unit), and the person counts are
bounds per cell; intervals are of the LP relaxation (integer solutions can only be fewer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from pipelines.extract.cells import TOTAL, CellId, Constraint, SuppressionResult, suppress_cells

HIDDEN = "onderdrukt"
SCENARIOS = ("vertrek", "verblijf", "geen")


class AuditError(RuntimeError):
    """The attack model has no solution: it does not describe the true figures (a bug)."""


def _bounds(value: int, kind: str, threshold: int) -> tuple[int, int | None]:
    """What the public rule tells an outsider about a suppressed cell: primary 1–9 (0–9 for a true
    zero, which the rule does not promise to publish), secondary at least the threshold."""
    if kind == "primair":
        return (1 if value >= 1 else 0), threshold - 1
    return threshold, None


# --- the microdata as evidence -------------------------------------------------------------------


def _quarters_of(label, quarters: list[str]) -> list[str]:
    """The table quarters a released period (JJJJ-MM, JJJJ-Kn, JJJJ or empty) may be."""
    if label is None or (not isinstance(label, str) and pd.isna(label)):
        return list(quarters)
    label = str(label)
    if len(label) == 7 and label[4] == "-" and label[5] != "K":
        label = f"{label[:4]}-K{(int(label[5:]) - 1) // 3 + 1}"
    if "-K" in label:
        return [label] if label in quarters else []
    return [q for q in quarters if q.startswith(label + "-")]


def _scope(value) -> bool | None:
    if value is None or (not isinstance(value, (bool, np.bool_)) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.lower())
    return bool(value)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


@dataclass
class MicrodataEvidence:
    """What the released microdata say about the table cells (see the module docstring)."""

    groups: list[tuple[int, tuple[CellId, ...], bool]] = field(default_factory=list)  # (size, cells, may be nowhere)
    person_bounds: dict[CellId, tuple[int, int]] = field(default_factory=dict)
    removed: int = 0  # records removed by the k-anonymization: they may lie anywhere


def microdata_evidence(
    microdata: pd.DataFrame, values: dict[CellId, int], status: dict[CellId, str], removed: int = 0
) -> MicrodataEvidence:
    """Read the released microdata (as the researcher gets them) against the tables' cells."""
    bronnen = sorted({c[1] for c in values if c[0] == "instroom" and c[1] != TOTAL})
    quarters = sorted({c[2] for c in values if c[0] == "instroom" and c[2] != TOTAL})
    categories = sorted({c[3] for c in values if c[0] == "uitstroom" and c[3] != TOTAL})
    rows = microdata.astype(object).where(microdata.notna(), None)
    scope = [_scope(v) for v in rows["in_doelgroep"]]
    pilots = [None if _missing(p) else p for p in rows["pilot"]]
    counts: dict[tuple[tuple[CellId, ...], bool], int] = {}

    def add(cells: tuple[CellId, ...], nowhere: bool) -> None:
        counts[(cells, nowhere)] = counts.get((cells, nowhere), 0) + 1

    for i, row in enumerate(rows.itertuples(index=False)):
        if scope[i] is False:
            continue
        nowhere = scope[i] is None
        candidates = [pilots[i]] if pilots[i] is not None else bronnen
        add(tuple(("instroom", b, q) for b in candidates for q in _quarters_of(row.instroomperiode, quarters)), nowhere)
        category = row.uitstroomcategorie
        if _missing(category):
            continue  # still present (or ended without a category: in no cell of the table)
        options = [(b, c) for b in candidates
                   for c in ([category] if category != HIDDEN else [c for c in categories
                                                                     if ("uitstroom", b, TOTAL, c) in status])]
        add(tuple(("uitstroom", b, q, c) for b, c in options for q in _quarters_of(row.uitstroomperiode, quarters)),
            nowhere)
    groups = [(n, cells, nowhere) for (cells, nowhere), n in sorted(counts.items(), key=repr)]
    return MicrodataEvidence(groups, _person_bounds(rows, scope, pilots, bronnen, removed), removed)


def _person_bounds(rows: pd.DataFrame, scope: list, pilots: list, bronnen: list[str], removed: int) -> dict:
    """Per monitor person cell: (persons certainly in it, persons possibly in it + removed records)."""
    frame = pd.DataFrame({
        "persoon": rows["persoon_pseudoniem"].tolist(),
        "pilot": pilots,
        "scope": scope,
        "ended": [not _missing(c) for c in rows["uitstroomcategorie"]],
        "period": [not _missing(p) for p in rows["uitstroomperiode"]],
        "scenario": rows["scenario"].tolist(),
    })
    in_scope, maybe_in = frame["scope"].map(lambda s: s is True), frame["scope"].map(lambda s: s is not False)
    out_scope, maybe_out = frame["scope"].map(lambda s: s is False), frame["scope"].map(lambda s: s is not True)
    present = ~frame["ended"] & ~frame["period"]
    maybe_present = ~frame["ended"]
    bounds: dict[CellId, tuple[int, int]] = {}

    def persons(mask: pd.Series) -> int:
        return int(frame.loc[mask, "persoon"].nunique())

    for bron in bronnen + [TOTAL]:
        mine = pd.Series(True, index=frame.index) if bron == TOTAL else frame["pilot"] == bron
        maybe_mine = pd.Series(True, index=frame.index) if bron == TOTAL else (frame["pilot"] == bron) | frame["pilot"].isna()
        for column, certain, possible in (
            ("ooit_opgevangen", in_scope & mine, maybe_in & maybe_mine),
            ("aanwezig", in_scope & present & mine, maybe_in & maybe_present & maybe_mine),
            ("buiten_doelgroep", out_scope & mine, maybe_out & maybe_mine),
        ):
            bounds[("monitor", bron, column)] = (persons(certain), persons(possible) + removed)
        # A person counts with one stay (the latest) per pilot, and nationally once: certain only
        # when the person has a single stay that may count, and that one certainly does.
        candidates = frame[maybe_in & maybe_present & maybe_mine]
        single = candidates.groupby("persoon")["persoon"].transform("size") == 1
        sure = single & in_scope.loc[candidates.index] & present.loc[candidates.index] & mine.loc[candidates.index]
        for scenario in SCENARIOS:
            certain = int((sure & (candidates["scenario"] == scenario)).sum())
            possible = candidates.loc[candidates["scenario"].isin([scenario, HIDDEN]), "persoon"].nunique()
            bounds[("monitor", bron, f"scenario_{scenario}")] = (certain, int(possible) + removed)
    return bounds


# --- the LP ----------------------------------------------------------------------------------------


@dataclass
class _Model:
    hidden: list[CellId]
    c_size: int  # number of variables
    a_eq: object
    b_eq: np.ndarray
    a_ub: object
    b_ub: np.ndarray
    bounds: list[tuple[float, float | None]]

    def solve(self, objective: np.ndarray):
        """The optimum of the objective (None when unbounded)."""
        kwargs = {}
        if self.b_eq.size:
            kwargs.update(A_eq=self.a_eq, b_eq=self.b_eq)
        if self.b_ub.size:
            kwargs.update(A_ub=self.a_ub, b_ub=self.b_ub)
        result = linprog(objective, bounds=self.bounds, method="highs", **kwargs)
        if result.status == 3:
            return None  # unbounded: a secondary cell without an upper limit
        if result.status == 2:
            raise AuditError("het aanvalsmodel heeft geen oplossing: het beschrijft de echte cijfers niet")
        if result.status != 0:
            raise AuditError(f"LP van de aanval niet opgelost: {result.message}")
        return result


class _Builder:
    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.data: list[float] = []
        self.rhs: list[float] = []
        self.ub_rows: list[int] = []
        self.ub_cols: list[int] = []
        self.ub_data: list[float] = []
        self.ub_rhs: list[float] = []
        self.bounds: list[tuple[float, float | None]] = []

    def variable(self, low: float = 0.0, high: float | None = None) -> int:
        self.bounds.append((low, high))
        return len(self.bounds) - 1

    def equal(self, terms: dict[int, float], rhs: float) -> None:
        row = len(self.rhs)
        for var, coef in terms.items():
            self.rows.append(row), self.cols.append(var), self.data.append(coef)
        self.rhs.append(rhs)

    def at_most(self, terms: dict[int, float], rhs: float) -> None:
        row = len(self.ub_rhs)
        for var, coef in terms.items():
            self.ub_rows.append(row), self.ub_cols.append(var), self.ub_data.append(coef)
        self.ub_rhs.append(rhs)

    def model(self, hidden: list[CellId]) -> _Model:
        n = len(self.bounds)
        a_eq = coo_matrix((self.data, (self.rows, self.cols)), shape=(len(self.rhs), n)).tocsr()
        a_ub = coo_matrix((self.ub_data, (self.ub_rows, self.ub_cols)), shape=(len(self.ub_rhs), n)).tocsr()
        return _Model(hidden, n, a_eq, np.array(self.rhs, dtype=float), a_ub, np.array(self.ub_rhs, dtype=float),
                      self.bounds)


def _linear(cells_signs: list[tuple[CellId, float]], position: dict[CellId, int], values: dict[CellId, int]):
    terms: dict[int, float] = {}
    constant = 0.0
    for cell, sign in cells_signs:
        if cell in position:
            terms[position[cell]] = terms.get(position[cell], 0.0) + sign
        else:
            constant += sign * values[cell]
    return {v: c for v, c in terms.items() if c != 0.0}, constant


def build_model(
    values: dict[CellId, int], constraints: list[Constraint], status: dict[CellId, str], threshold: int,
    evidence: MicrodataEvidence | None = None,
) -> _Model:
    """The attacker's LP: one variable per suppressed cell (the published cells are constants),
    plus, with microdata, the transportation variables (see the module docstring)."""
    hidden = sorted(status, key=repr)
    lp = _Builder()
    position: dict[CellId, int] = {}
    for cell in hidden:
        low, high = _bounds(values[cell], status[cell], threshold)
        if evidence and cell in evidence.person_bounds:
            certain, possible = evidence.person_bounds[cell]
            low, high = max(low, certain), possible if high is None else min(high, possible)
        position[cell] = lp.variable(low, high)
    for c in constraints:
        signed = [(c.total, -1.0)] + [(part, 1.0) for part in c.parts]
        terms, constant = _linear(signed, position, values)
        if not terms:
            continue
        truth = sum(values[p] for p in c.parts) - values[c.total]
        if truth == 0:
            lp.equal(terms, -constant)  # sum(parts) - total = 0
        elif truth > 0:
            lp.at_most({v: -coef for v, coef in terms.items()}, constant)  # total <= sum(parts)
    if evidence:
        _transport(lp, evidence, values, position)
    return lp.model(hidden)


def _transport(lp: _Builder, evidence: MicrodataEvidence, values: dict[CellId, int], position: dict[CellId, int]) -> None:
    into: dict[CellId, dict[int, float]] = {}
    for size, cells, nowhere in evidence.groups:
        terms = {}
        for cell in cells:
            var = lp.variable()
            terms[var] = 1.0
            into.setdefault(cell, {})[var] = 1.0
        if nowhere:
            terms[lp.variable()] = 1.0
        lp.equal(terms, float(size))
    finest = [c for c in values if (c[0] == "instroom" and TOTAL not in c[1:]) or (c[0] == "uitstroom" and TOTAL not in c[1:])]
    slack_of: dict[str, list[int]] = {"instroom": [], "uitstroom": []}
    for cell in finest:
        terms = dict(into.get(cell, {}))
        if evidence.removed:
            slack = lp.variable()
            slack_of[cell[0]].append(slack)
            terms[slack] = 1.0
        if cell in position:
            terms[position[cell]] = terms.get(position[cell], 0.0) - 1.0
            lp.equal(terms, 0.0)
        else:
            lp.equal(terms, float(values[cell]))
    for slacks in slack_of.values():
        if slacks:
            lp.at_most({s: 1.0 for s in slacks}, float(evidence.removed))


# --- the audit --------------------------------------------------------------------------------------


def audit(
    values: dict[CellId, int], constraints: list[Constraint], status: dict[CellId, str], threshold: int,
    evidence: MicrodataEvidence | None = None,
) -> dict[CellId, tuple[float, float]]:
    """Every suppressed cell's exact interval (min, max) for the attacker: 2 LPs per cell."""
    model = build_model(values, constraints, status, threshold, evidence)
    intervals: dict[CellId, tuple[float, float]] = {}
    for i, cell in enumerate(model.hidden):
        objective = np.zeros(model.c_size)
        objective[i] = 1.0
        low, high = model.solve(objective), model.solve(-objective)
        intervals[cell] = (-np.inf if low is None else low.fun, np.inf if high is None else -high.fun)
    return intervals


def recovered_cells(
    values: dict[CellId, int], constraints: list[Constraint], status: dict[CellId, str], threshold: int,
    evidence: MicrodataEvidence | None = None,
) -> dict[CellId, int]:
    """The suppressed cells an attacker pins down exactly (cell → value).

    Every LP solution is a point the attacker cannot exclude: a cell seen at two values differing
    by at least one half is not recovered, so only the others need their own min and max."""
    if not status:
        return {}
    model = build_model(values, constraints, status, threshold, evidence)
    n = len(model.hidden)
    seen_low, seen_high = np.full(n, np.inf), np.full(n, -np.inf)

    def look(objective: np.ndarray) -> float | None:
        result = model.solve(objective)
        if result is None:
            return None
        point = result.x[:n]
        np.minimum(seen_low, point, out=seen_low)
        np.maximum(seen_high, point, out=seen_high)
        return result.fun

    rng = np.random.default_rng(13)
    for round_ in range(8):  # spread-out points first, aimed at the cells still undecided
        undecided = seen_high - seen_low < 0.5
        if not undecided.any():
            break
        objective = np.zeros(model.c_size)
        objective[:n] = np.where(undecided, rng.uniform(0.5, 1.5, n), 0.0) * (1.0 if round_ % 2 == 0 else -1.0)
        look(objective)
    recovered: dict[CellId, int] = {}
    for i, cell in enumerate(model.hidden):
        if seen_high[i] - seen_low[i] >= 0.5:
            continue
        objective = np.zeros(model.c_size)
        objective[i] = 1.0
        low = look(objective)
        if low is None or seen_high[i] - seen_low[i] >= 0.5:
            continue
        high = look(-objective)
        if high is not None and -high - low < 0.5:
            recovered[cell] = int(round(low))
    return recovered


# --- protection ---------------------------------------------------------------------------------------


def _neighbours(cell: CellId, constraints: list[Constraint], evidence: MicrodataEvidence | None) -> set[CellId]:
    found = {m for c in constraints if cell in (c.total, *c.parts) for m in (c.total, *c.parts)}
    if evidence:
        for _, cells, _ in evidence.groups:
            if cell in cells:
                found.update(cells)
    return found


def protect_against_bounds(
    values: dict[CellId, int], constraints: list[Constraint], result: SuppressionResult, threshold: int,
    *, max_rounds: int = 100, evidence_for: Callable[[dict[CellId, str]], MicrodataEvidence] | None = None,
    escalate: Callable[[set[CellId]], bool] | None = None,
) -> SuppressionResult:
    """Secondary suppression until the audit recovers no suppressed cell.

    Why: `suppress_cells` proves only that no suppressed cell is a linear function of the
    published ones; with "suppressed means 1–9" a margin can still pin cells down (95 − 40 − 37 =
    18 for two cells < 10: both 9), and so can the microdata. Each round hides, for every
    recovered cell, the smallest published cell of one of its relations or of one of the
    microdata groups it lies in (inner cells before totals), then lets `suppress_cells` restore
    linear protection. `evidence_for(status)`: the microdata released with that suppression
    (they hide more as the tables suppress more); without it, the tables alone. A recovered cell
    whose every neighbour is suppressed already is pinned by the microdata alone (e.g. the only
    quarter of a year): `escalate(cells)` makes the microdata hide more for it (True when it
    changed anything)."""
    totals = {c.total for c in constraints}
    status = dict(result.status)
    iterations = result.iterations
    for _ in range(max_rounds):
        evidence = evidence_for(status) if evidence_for else None
        recovered = recovered_cells(values, constraints, status, threshold, evidence)
        if not recovered:
            return SuppressionResult(status, iterations)
        extra: dict[CellId, str] = {}
        stuck: set[CellId] = set()
        for cell in sorted(recovered, key=repr):
            candidates = [(1 if m in totals else 0, values[m], repr(m), m)
                          for m in _neighbours(cell, constraints, evidence) if m not in status and m not in extra]
            if candidates:
                extra[min(candidates)[3]] = "secundair"
            else:
                stuck.add(cell)
        escalated = bool(stuck) and escalate is not None and escalate(stuck)
        if not extra:
            if escalated:
                continue
            raise RuntimeError("secundaire onderdrukking: geen cel meer over tegen de grenzenaanval")
        again = suppress_cells(values, constraints, threshold, initial={**status, **extra})
        status, iterations = again.status, iterations + again.iterations
    raise RuntimeError("secundaire onderdrukking: te veel rondes tegen de grenzenaanval")


__all__ = [
    "AuditError", "MicrodataEvidence", "audit", "build_model", "microdata_evidence", "protect_against_bounds",
    "recovered_cells",
]
