"""Build the synthetic population by construction, so the monitor comes out exactly.

`calibration.py` says how many stays of each kind every pilot has; this module makes exactly
those stays and gives each the municipal reason and the national records (IND procedures and
measures, DT&V departure cases) that put it in its category by the rules of MONITOR.md.
Randomness only chooses dates, demographics and which stay plays which role, within bounds
that keep every rule satisfied (windows, peildatum, capacity), so every seed gives the same
figures. All data is made up: v_nummers are random, nobody real is described.

A population of scale N is N independent replicas of the scale-1 population (distinct ids,
independent draws). A registry shared by the replicas keeps v_nummers unique and keeps the
demographics that linkage step 2 relies on unique among all national persons of all replicas,
so every figure at scale N is exactly N times the scale-1 figure. Replica 0 of any scale is
the scale-1 population.

This module holds the replica builder and its small random helpers; the steps `build` runs
live in their own modules, in that order: plan_stays.py (how many stays of each kind, their
nationality, dates and role), persons.py (who is behind them), national_records.py (IND and
DT&V records), trajectory_events.py (scenarios, MRT) and replica_output.py (identifiers, the
finished replica, later corrections). construction.py holds what the steps share (day numbers,
the draft of a stay, weighted draws); invalid_rows.py the rows the pipeline must quarantine.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator

from . import calibration as cal
from .construction import Registry, _Draft, _Weighted, as_date
from .invalid_rows import invalid_rows
from .model import Correction, Maatregel, NationalPerson, Population, Procedure, Vertrekzaak
from .national_records import NationalRecords
from .persons import MakePersons
from .plan_stays import PlanStays
from .replica_output import ReplicaOutput
from .trajectory_events import TrajectoryEvents

DEFAULT_SEED = 20201117


class _ReplicaBuilder(PlanStays, MakePersons, NationalRecords, TrajectoryEvents, ReplicaOutput):
    """One replica, built step by step (`build`); each step is a mixin in its own module."""

    def __init__(self, seed: int, replica: int, registry: Registry) -> None:
        self.rng = random.Random(f"lvv-demo/{seed}/{replica}")
        self.random = self.rng.random
        self.k = replica
        self.reg = registry
        self.drafts: list[_Draft] = []
        self.persons: list[NationalPerson] = []
        self.corrections: list[Correction] = []
        self.n_proc = 0
        self.n_zaak = 0
        self.n_maatregel = 0
        self._special: dict[str, object] = {}

    # -- small helpers -------------------------------------------------------------------------
    def r(self, lo: int, hi: int) -> int:
        """A whole number in [lo, hi] (lo when the range is empty)."""
        return lo if hi <= lo else lo + int(self.random() * (hi - lo + 1))

    def choice_w(self, table: _Weighted):
        return table.keys[bisect_right(table.cum, self.random() * table.total)]

    def proc(self, p: NationalPerson, soort: str, a: int, beslissing: str | None = None,
             b: int | None = None) -> Procedure:
        self.n_proc += 1
        pr = Procedure(f"IND{self.k:04d}{self.n_proc:06d}", soort, as_date(a),
                       beslissing if b is not None else None, as_date(b) if b is not None else None)
        p.procedures.append(pr)
        return pr

    def zaak(self, p: NationalPerson, start: int, vertrek: int | None = None, wijze: str | None = None,
             bestemming: str | None = None, land: str | None = None) -> Vertrekzaak:
        self.n_zaak += 1
        if vertrek is None:
            z = Vertrekzaak(f"DTV-{self.k:04d}-{self.n_zaak:06d}", as_date(start))
        else:
            if wijze == "ZELFSTANDIG_NIET_AANTOONBAAR":
                bestemming = land = None
            z = Vertrekzaak(f"DTV-{self.k:04d}-{self.n_zaak:06d}", as_date(start), as_date(vertrek), wijze, bestemming, land)
        p.vertrekzaken.append(z)
        return z

    def maatregel(self, p: NationalPerson, soort: str, ingang: int, einde: int | None = None) -> Maatregel:
        self.n_maatregel += 1
        m = Maatregel(f"M{self.k:04d}-{self.n_maatregel:06d}", soort, as_date(ingang),
                      as_date(einde) if einde is not None else None)
        p.maatregelen.append(m)
        return m

    def new_v_nummer(self) -> str:
        while True:
            v = str(1_000_000_000 + int(self.random() * 9_000_000_000))
            if v not in self.reg.v_taken:
                self.reg.v_taken.add(v)
                return v

    def typo_of(self, v: str) -> str:
        """One digit changed or two neighbouring digits swapped; never a leading zero; unused."""
        while True:
            digits = list(v)
            if self.rng.random() < 0.5:
                i = self.rng.randrange(len(digits) - 1)
                if digits[i] == digits[i + 1] or (i == 0 and digits[1] == "0"):
                    continue
                digits[i], digits[i + 1] = digits[i + 1], digits[i]
            else:
                i = self.rng.randrange(len(digits))
                choices = [c for c in "0123456789" if c != digits[i] and not (i == 0 and c == "0")]
                digits[i] = self.rng.choice(choices)
            typo = "".join(digits)
            if typo not in self.reg.v_taken:
                self.reg.v_taken.add(typo)
                return typo

    # -- the steps -----------------------------------------------------------------------------
    def build(self) -> Population:
        self._plan()
        self._nationalities()
        self._dates()
        for pilot in cal.PILOTS:
            self._fit_capacity(pilot)
        self._roles()
        self._persons()
        self._lvv_records()
        self._national_only()
        self._events()
        self._ids()
        return self._emit()


def iter_replicas(seed: int = DEFAULT_SEED, scale: int = 1) -> Iterator[Population]:
    """The population replica by replica (memory stays flat at any scale)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    registry = Registry()
    for k in range(scale):
        rep = _ReplicaBuilder(seed, k, registry).build()
        rep.seed, rep.scale = seed, scale
        if k == 0:
            rep.invalid_rows = invalid_rows()
        yield rep


def build_population(seed: int = DEFAULT_SEED, scale: int = 1) -> Population:
    """The whole population in memory: `scale` replicas of the calibrated scale-1 population."""
    pop = Population(seed=seed, scale=scale)
    for rep in iter_replicas(seed, scale):
        pop.extend(rep)
    return pop
