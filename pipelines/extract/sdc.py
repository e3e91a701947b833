"""k-anonymity for microdata: generalize first, suppress last, and say what was changed.

A record is k-anonymous when at least k-1 other records share its values on every
quasi-identifier (QI): the attributes an outsider may know about a person (pilot, age, sex,
nationality, when they came in and left). The method, in order:

1. **Global generalization**, greedy: while more records violate k than the suppression budget
   allows, take the one generalization step (e.g. instroom month → quarter) that leaves the fewest
   violating records, and apply it to every record. Stop when within budget, when no step helps,
   or when every QI is at its coarsest level.
2. **Local suppression**, in rounds: every record still violating k gets one more QI set to missing
   (the QI that rescues the most of them, the pilot only as the very last), until it shares its
   values with at least k-1 others. Suppressed cells are missing in the output.
3. **Record removal**: a record that violates k even with every QI suppressed is removed.

A suppressed value counts, for the check, as a value of its own (`*`): k-anonymity holds on the
released values exactly as a researcher sees them. Every step is reported (`SdcStep`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SUPPRESSED = "*"
MISSING = "<leeg>"


@dataclass
class QuasiIdentifier:
    """A QI with its generalization hierarchy: `levels[0]` finest, `levels[-1]` coarsest.

    Each level is a Series aligned with the frame's index (values str or None). `missing_key` is
    how a real missing value counts in the check; `suppressed_key` (a Series, optional) how a
    suppressed one counts, per record (e.g. an uitstroom month suppressed on a stay that is still
    present stays "still present", since other columns tell that anyway).
    """

    column: str
    levels: list[pd.Series]
    level_names: list[str]
    suppress_last: bool = False
    missing_key: str = MISSING
    suppressed_key: pd.Series | None = None

    def key(self, level: int, suppressed: pd.Series) -> pd.Series:
        values = self.levels[level].astype(object).where(self.levels[level].notna(), self.missing_key)
        if suppressed.any():
            replacement = self.suppressed_key if self.suppressed_key is not None else pd.Series(SUPPRESSED, index=values.index)
            values = values.where(~suppressed, replacement)
        return values


@dataclass
class SdcStep:
    stap: int
    soort: str  # "generalisatie" | "onderdrukking" | "verwijdering"
    kenmerk: str  # the QI, or "alle" for record removal
    van: str | None
    naar: str | None
    records_gewijzigd: int  # records whose released value changed in this step
    cellen_gewijzigd: int  # cells generalized or set to missing
    records_in_overtreding_na: int
    toelichting: str


@dataclass
class KAnonymityResult:
    frame: pd.DataFrame  # released values: generalized, suppressed cells None, removed records dropped
    levels: dict[str, int]
    steps: list[SdcStep]
    suppressed: dict[str, pd.Series]  # per QI: which records had it suppressed (index of the input)
    removed: pd.Index
    k: int
    records_in: int

    @property
    def records_out(self) -> int:
        return len(self.frame)


def class_sizes(keys: pd.DataFrame) -> pd.Series:
    """Size of each record's equivalence class (records with equal values on every key column)."""
    if keys.empty:
        return pd.Series(dtype="int64", index=keys.index)
    return keys.groupby(list(keys.columns), dropna=False, sort=False)[keys.columns[0]].transform("size")


def k_anonymize(
    frame: pd.DataFrame, qis: list[QuasiIdentifier], k: int, max_suppression_share: float
) -> KAnonymityResult:
    """Make `frame` k-anonymous on the QIs (see the module docstring). `frame` is not changed."""
    index = frame.index
    levels = {q.column: 0 for q in qis}
    suppressed = {q.column: pd.Series(False, index=index) for q in qis}
    steps: list[SdcStep] = []
    budget = int(max_suppression_share * len(frame))

    def keys(lv: dict[str, int], sup: dict[str, pd.Series]) -> pd.DataFrame:
        return pd.DataFrame({q.column: q.key(lv[q.column], sup[q.column]) for q in qis}, index=index)

    def violating(lv: dict[str, int], sup: dict[str, pd.Series]) -> pd.Series:
        return class_sizes(keys(lv, sup)) < k

    # 1. Global generalization.
    current = int(violating(levels, suppressed).sum())
    while current > budget:
        best: tuple[int, int, QuasiIdentifier] | None = None
        for order, q in enumerate(qis):
            level = levels[q.column]
            if level + 1 >= len(q.levels):
                continue
            trial = {**levels, q.column: level + 1}
            count = int(violating(trial, suppressed).sum())
            if best is None or (count, order) < (best[0], best[1]):
                best = (count, order, q)
        if best is None or best[0] >= current:
            break
        count, _, q = best
        old, new = q.levels[levels[q.column]], q.levels[levels[q.column] + 1]
        changed = int((old.astype(object).fillna(MISSING) != new.astype(object).fillna(MISSING)).sum())
        steps.append(SdcStep(
            len(steps) + 1, "generalisatie", q.column, q.level_names[levels[q.column]],
            q.level_names[levels[q.column] + 1], changed, changed, count,
            f"{q.column} van {q.level_names[levels[q.column]]} naar {q.level_names[levels[q.column] + 1]} "
            f"voor alle records; records in een groep kleiner dan {k}: {current} → {count}",
        ))
        levels[q.column] += 1
        current = count

    # 2. Local suppression, one more QI per round for the records still violating k.
    active = violating(levels, suppressed)
    done: list[str] = []
    while active.any():
        options = [q for q in qis if q.column not in done and not q.suppress_last] or [
            q for q in qis if q.column not in done
        ]
        if not options:
            break
        best_q, best_rescued, best_after = None, -1, None
        for q in options:
            trial = {**suppressed, q.column: suppressed[q.column] | active}
            after = violating(levels, trial)
            rescued = int((active & ~after).sum())
            if rescued > best_rescued:
                best_q, best_rescued, best_after = q, rescued, after
        assert best_q is not None and best_after is not None
        values = best_q.levels[levels[best_q.column]]
        cells = int((active & values.notna()).sum())
        before = int(active.sum())
        suppressed[best_q.column] = suppressed[best_q.column] | active
        done.append(best_q.column)
        active = active & best_after
        steps.append(SdcStep(
            len(steps) + 1, "onderdrukking", best_q.column, None, None, before, cells, int(active.sum()),
            f"{best_q.column} op leeg gezet bij {before} records die nog in een groep kleiner dan {k} zaten "
            f"({cells} cellen hadden een waarde); daarmee voldoen er {best_rescued}",
        ))

    # 3. Records that violate k even with everything suppressed are removed.
    removed = index[active.to_numpy()]
    if len(removed):
        steps.append(SdcStep(
            len(steps) + 1, "verwijdering", "alle", None, None, len(removed), len(removed) * len(qis), 0,
            f"{len(removed)} records verwijderd: zelfs met alle kenmerken leeg zaten ze in een groep kleiner dan {k}",
        ))

    released = frame.copy()
    for q in qis:
        values = q.levels[levels[q.column]].astype(object)
        released[q.column] = values.where(~suppressed[q.column], None).where(values.notna(), None)
    released = released.drop(index=removed)
    return KAnonymityResult(released, levels, steps, suppressed, removed, k, len(frame))


def k_anonymity_violations(keys: pd.DataFrame, k: int) -> pd.DataFrame:
    """The equivalence classes smaller than k (one row per class, with its size); empty when fine."""
    if keys.empty:
        return keys.assign(aantal=pd.Series(dtype="int64"))
    sizes = keys.fillna(MISSING).value_counts(dropna=False).rename("aantal").reset_index()
    return sizes[sizes["aantal"] < k].reset_index(drop=True)


__all__ = [
    "KAnonymityResult", "QuasiIdentifier", "SdcStep", "class_sizes", "k_anonymity_violations", "k_anonymize",
]
