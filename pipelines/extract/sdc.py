"""k-anonymity for microdata: generalize first, suppress last, and say what was changed.

A record is k-anonymous when at least k-1 other records share its values on every
quasi-identifier (QI): the attributes an outsider may know about a person (pilot, age, sex,
nationality, when they came in and left). The method, in order:

1. **Global generalization** (full-domain recoding): every QI has a hierarchy of levels, finest
   first (e.g. instroom month → quarter → year). Every combination of levels is tried; among those
   that leave at most `max_suppression_share` of the records in a group smaller than k, the one
   with the least information loss wins (loss: per QI, the weight times how far up its hierarchy
   it went; ties: fewer records left to suppress). A level applies to every record, so a column
   has one precision throughout. When no combination is within the budget, the one that leaves
   the fewest records violating is taken.
2. **Local suppression**, in rounds: every record still violating k gets one more QI set to missing
   (the QI that rescues the most of them; the pilot only as the very last), until it shares its
   values with at least k-1 others.
3. **Record removal**: a record that violates k even with every QI suppressed is removed.

For the check a missing value is a value of its own (a suppressed cell is `*`), so k-anonymity
holds on the released values exactly as a researcher sees them. Every step is reported
(`SdcStep`), with the number of records and cells it changed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

SUPPRESSED = "*"
MISSING = "<leeg>"

# The two disclosure-control parameters of an extract, defined here once (issue 14): every
# record shares its quasi-identifier values with at least K-1 others, and no published
# aggregate cell is below MIN_CELL. `write_extract` accepts only stricter values.
K = 5
MIN_CELL = 10


@dataclass
class QuasiIdentifier:
    """A QI with its generalization hierarchy: `levels[0]` finest, `levels[-1]` coarsest.

    Each level is a Series aligned with the frame's index (values str or None). `weight` is the
    information lost by going all the way up the hierarchy (relative to the other QIs).
    `missing_key` is how a real missing value counts in the check; `suppressed_key` (a Series,
    optional) how a suppressed one counts, per record (e.g. the uitstroom month suppressed on a
    stay that is still present stays "still present", since other columns tell that anyway).
    """

    column: str
    levels: list[pd.Series]
    level_names: list[str]
    weight: float = 1.0
    suppress_last: bool = False
    missing_key: str = MISSING
    suppressed_key: pd.Series | None = None

    def key(self, level: int, suppressed: pd.Series | None = None) -> pd.Series:
        values = self.levels[level].astype(object)
        values = values.where(values.notna(), self.missing_key)
        if suppressed is not None and suppressed.any():
            replacement = (
                self.suppressed_key if self.suppressed_key is not None
                else pd.Series(SUPPRESSED, index=values.index, dtype=object)
            )
            values = values.where(~suppressed, replacement)
        return values

    def loss(self, level: int) -> float:
        return 0.0 if len(self.levels) == 1 else self.weight * level / (len(self.levels) - 1)


@dataclass
class SdcStep:
    stap: int
    soort: str  # "generalisatie" | "onderdrukking" | "verwijdering"
    kenmerk: str  # the QI, or "alle" for record removal
    van: str | None
    naar: str | None
    records_gewijzigd: int  # records whose released value changed in this step
    cellen_gewijzigd: int  # cells generalized or set to missing
    records_in_overtreding_na: int  # records still in a group smaller than k after this step
    beschrijving: str


@dataclass
class KAnonymityResult:
    frame: pd.DataFrame  # released values: generalized, suppressed cells None, removed records dropped
    levels: dict[str, int]
    steps: list[SdcStep]
    suppressed: dict[str, pd.Series]  # per QI: which records had it suppressed (index of the input)
    removed: pd.Index
    k: int
    records_in: int
    violating_at_start: int

    @property
    def records_out(self) -> int:
        return len(self.frame)


class _Encoded:
    """Integer codes of every QI at every level (and suppressed), for fast class sizes."""

    def __init__(self, qis: list[QuasiIdentifier]) -> None:
        self.qis = qis
        self.codes: list[list[np.ndarray]] = []
        self.suppressed_codes: list[np.ndarray] = []
        for q in qis:
            keys = [q.key(level) for level in range(len(q.levels))]
            supp = q.key(0, pd.Series(True, index=q.levels[0].index))
            allvalues = pd.concat(keys + [supp], ignore_index=True)
            codes, _ = pd.factorize(allvalues.astype(str), sort=False)
            n = len(q.levels[0])
            self.codes.append([codes[i * n:(i + 1) * n] for i in range(len(keys))])
            self.suppressed_codes.append(codes[len(keys) * n:])

    def sizes(self, levels: list[int], suppressed: list[np.ndarray] | None = None) -> np.ndarray:
        key = None
        for i, level in enumerate(levels):
            column = self.codes[i][level]
            if suppressed is not None and suppressed[i].any():
                column = np.where(suppressed[i], self.suppressed_codes[i], column)
            if key is None:
                key = column.astype(np.int64)
            else:
                key = key * (int(column.max()) + 1 if len(column) else 1) + column
                key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        if key is None or len(key) == 0:
            return np.zeros(0, dtype=np.int64)
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        return counts[inverse]


def class_sizes(keys: pd.DataFrame) -> pd.Series:
    """Size of each record's equivalence class (records with equal values on every key column)."""
    if keys.empty:
        return pd.Series(dtype="int64", index=keys.index)
    filled = keys.astype(object).where(keys.notna(), MISSING)
    return filled.groupby(list(filled.columns), dropna=False, sort=False)[filled.columns[0]].transform("size")


def k_anonymize(
    frame: pd.DataFrame, qis: list[QuasiIdentifier], k: int, max_suppression_share: float,
    forced: dict[str, pd.Series] | None = None, forced_reason: str = "",
) -> KAnonymityResult:
    """Make `frame` k-anonymous on the QIs (see the module docstring). `frame` is not changed.

    `forced` (QI column → boolean Series on the frame's index): cells that must be suppressed
    whatever k needs, e.g. the pilot of records that count in a suppressed cell of the
    aggregate tables (`microdata.coordination_masks`). They are suppressed before the search, so
    the generalization and the local suppression are chosen with them in place and k holds on
    the result; the step is reported with `forced_reason`."""
    index = frame.index
    n = len(frame)
    encoded = _Encoded(qis)
    budget = int(max_suppression_share * n)
    start = [0] * len(qis)
    violating_at_start = int((encoded.sizes(start) < k).sum())
    pre = [
        (forced[q.column].reindex(index, fill_value=False).to_numpy(dtype=bool) if forced and q.column in forced
         else np.zeros(n, dtype=bool))
        for q in qis
    ]
    pre_arg = pre if any(m.any() for m in pre) else None

    # 1. Global generalization: the least loss within the budget.
    best: tuple | None = None
    fallback: tuple | None = None
    for combo in itertools.product(*[range(len(q.levels)) for q in qis]):
        violators = int((encoded.sizes(list(combo), pre_arg) < k).sum())
        loss = sum(q.loss(level) for q, level in zip(qis, combo))
        if violators <= budget and (best is None or (loss, violators) < (best[0], best[1])):
            best = (loss, violators, combo)
        if fallback is None or (violators, loss) < (fallback[1], fallback[0]):
            fallback = (loss, violators, combo)
    chosen = list((best or fallback)[2]) if n else start
    levels = {q.column: level for q, level in zip(qis, chosen)}

    steps: list[SdcStep] = []
    violators_now = int((encoded.sizes(chosen, pre_arg) < k).sum()) if n else 0
    for q, level in zip(qis, chosen):
        if level == 0:
            continue
        old, new = q.key(0), q.key(level)
        changed = int((old != new).sum())
        steps.append(SdcStep(
            len(steps) + 1, "generalisatie", q.column, q.level_names[0], q.level_names[level], changed, changed,
            violators_now,
            f"{q.column}: {q.level_names[0]} → {q.level_names[level]}, voor alle records "
            f"({changed} waarden veranderd)",
        ))

    # 2. Local suppression, one more QI per round for the records still violating k (after the
    #    forced cells, which come first).
    suppressed = [m.copy() for m in pre]
    for i, q in enumerate(qis):
        if pre[i].any():
            has_value = pd.notna(q.levels[chosen[i]].to_numpy())
            cells = int((pre[i] & has_value).sum())
            steps.append(SdcStep(
                len(steps) + 1, "onderdrukking", q.column, q.level_names[chosen[i]], "leeg", int(pre[i].sum()), cells,
                violators_now, f"{q.column} leeg gemaakt bij {int(pre[i].sum())} records: {forced_reason}",
            ))
    active = encoded.sizes(chosen, suppressed) < k if n else np.zeros(0, dtype=bool)
    done: list[int] = []
    while active.any():
        # A QI that has one value for every record (e.g. at the root of its hierarchy) tells
        # nothing: suppressing it would only set these records apart.
        useful = [i for i in range(len(qis)) if i not in done and len(np.unique(encoded.codes[i][chosen[i]])) > 1]
        options = [i for i in useful if not qis[i].suppress_last] or useful
        if not options:
            break
        pick = None
        for i in options:
            trial = list(suppressed)
            trial[i] = suppressed[i] | active
            after = encoded.sizes(chosen, trial) < k
            rescued = int((active & ~after).sum())
            # Ties (also: nobody rescued yet): the QI with the most distinct values among them.
            distinct = len(np.unique(encoded.codes[i][chosen[i]][active]))
            if pick is None or (rescued, distinct) > (pick[1], pick[3]):
                pick = (i, rescued, after, distinct)
        i, rescued, after, _ = pick
        q = qis[i]
        values = q.levels[chosen[i]].to_numpy()
        has_value = pd.notna(values)
        before = int(active.sum())
        cells = int((active & has_value).sum())
        suppressed[i] = suppressed[i] | active
        done.append(i)
        active = active & after
        steps.append(SdcStep(
            len(steps) + 1, "onderdrukking", q.column, q.level_names[chosen[i]], "leeg", before, cells,
            int(active.sum()),
            f"{q.column} leeg gemaakt bij de {before} records die nog in een groep kleiner dan {k} zaten "
            f"({cells} cellen hadden een waarde); daarna voldoen er {rescued} meer",
        ))

    # 3. Records that violate k even with everything suppressed are removed.
    removed = index[active] if n else index[:0]
    if len(removed):
        steps.append(SdcStep(
            len(steps) + 1, "verwijdering", "alle", None, None, len(removed), len(removed) * len(qis), 0,
            f"{len(removed)} records verwijderd: zelfs met alle kenmerken leeg zaten ze in een groep kleiner dan {k}",
        ))

    released = frame.copy()
    suppressed_series = {q.column: pd.Series(suppressed[i], index=index) for i, q in enumerate(qis)}
    for i, q in enumerate(qis):
        values = q.levels[chosen[i]].astype(object)
        values = values.where(values.notna(), None)
        released[q.column] = values.where(~suppressed_series[q.column], None)
    released = released.drop(index=removed)
    return KAnonymityResult(released, levels, steps, suppressed_series, removed, k, n, violating_at_start)


def k_anonymity_violations(keys: pd.DataFrame, k: int) -> pd.DataFrame:
    """The equivalence classes smaller than k (one row per class, with its size); empty when fine."""
    if keys.empty:
        return keys.assign(aantal=pd.Series(dtype="int64"))
    filled = keys.astype(object).where(keys.notna(), MISSING)
    sizes = filled.value_counts(dropna=False).rename("aantal").reset_index()
    return sizes[sizes["aantal"] < k].reset_index(drop=True)


__all__ = [
    "K", "MIN_CELL", "KAnonymityResult", "QuasiIdentifier", "SdcStep", "class_sizes", "k_anonymity_violations", "k_anonymize",
]
