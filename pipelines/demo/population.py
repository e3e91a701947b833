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
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from . import calibration as cal
from .model import (
    Correction, Event, InvalidRow, Maatregel, NationalPerson, Population, Procedure, Stay, Vertrekzaak,
)

DEFAULT_SEED = 20201117

S = cal.PROGRAMME_START.toordinal()
P = cal.PEILDATUM.toordinal()
L = cal.LAST_DAY.toordinal()
EARLY = cal.PEILDATA[0].toordinal()
NATIONAL_REFERENCE = date(2020, 1, 1).toordinal()  # ages of national-only persons are drawn at this date
NATIONAL_FIRST, NATIONAL_LAST = date(2006, 1, 1).toordinal(), date(2019, 6, 30).toordinal()  # their first record

_d = date.fromordinal


def _o(y: int, m: int, d: int) -> int:
    return date(y, m, d).toordinal()


# Out-of-scope reasons that come from national records (the person is linked exactly).
NATIONAL_REASONS = frozenset({"INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM", "RIJKSOPVANG"})
# Categories that need no national record: stays whose linkage may fail without changing a figure.
CATEGORIES_WITHOUT_NATIONAL = frozenset({"terug_bbb", "gedwongen_beeindigd", "overig", "asielaanvraag_azc"})

# Variants whose uitstroomdatum must fall in a window: a correction of an early delivery, or a
# national record at U + 30/31/40/45 days that must itself be dated on or before the peildatum.
U_WINDOWS: dict[str, tuple[int, int]] = {
    "tk_correctie_mob": (_o(2019, 10, 1), _o(2019, 12, 15)),
    "laat_uitgeschreven": (_o(2020, 2, 1), _o(2020, 3, 25)),
    "tk_laat_geregistreerd": (_o(2020, 1, 15), _o(2020, 3, 10)),
    "tk_na_peildatum": (P - 25, P - 8),
    "bv_u30": (S + 60, P - 40),
    "tk_u30": (S + 60, P - 40),
    "tk_twee_vertrekken": (S + 60, P - 40),
    "tk_u31": (S + 60, P - 45),
    "vv_laat": (S + 60, P - 60),
    "azc_laat": (S + 60, P - 60),
    "bv_na_uitstroom": (S + 30, P - 30),
}

MUNICIPAL_REASON: dict[str, str] = {
    "bestendig_verblijf": "VERBLIJFSVERGUNNING", "terugkeer": "TERUGKEER", "doormigratie": "DOORMIGRATIE",
    "asielaanvraag_azc": "ASIELAANVRAAG", "uitstel_art64": "UITSTEL_VERTREK_ART64", "mob": "MOB",
    "terug_bbb": "BBB", "gedwongen_beeindigd": "GEDWONGEN_BEEINDIGD", "overig": "OVERIG",
}
VARIANT_REASON: dict[str, str] = {
    "tk_gemeente_mob": "MOB", "dm_tk": "TERUGKEER", "mob_tk_zna": "TERUGKEER",
    "vv_laat": "VERBLIJFSVERGUNNING", "vv_geen": "VERBLIJFSVERGUNNING", "vv_art64": "VERBLIJFSVERGUNNING",
    "vv_afgewezen": "VERBLIJFSVERGUNNING", "tk_geen": "TERUGKEER", "tk_u31": "TERUGKEER",
    "tk_na_peildatum": "TERUGKEER", "tk_voor_instroom": "TERUGKEER", "dm_geen": "DOORMIGRATIE",
}


class _Weighted:
    """A weighted choice with its cumulative weights computed once."""

    def __init__(self, weights: dict) -> None:
        self.keys = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]


PRIOR_VERTREKZAKEN = _Weighted({0: 28, 1: 19, 2: 15, 3: 12, 4: 9, 5: 6, 6: 4.5, 7: 3.5, 8: 2, 9: 1})
NATIONAL_VERTREKZAKEN = _Weighted({0: 40, 1: 35, 2: 15, 3: 7, 4: 3})
NATIONAL_NATIONALITIES = _Weighted(cal.NATIONAL_NATIONALITIES)
DECISION_BEFORE_LVV = _Weighted({"AFWIJZING": 85, "BUITEN_BEHANDELING": 8, "INGETROKKEN": 7})
NATIONAL_DECISION = _Weighted({"AFWIJZING": 70, "INWILLIGING": 12, "BUITEN_BEHANDELING": 10, "INGETROKKEN": 8})
NATIONAL_SECOND_PROCEDURE = _Weighted({"ASIEL_HERHAALD": 50, "REGULIER": 20, "BUITEN_SCHULD": 15, "MEDISCH_ART64": 15})
NATIONAL_VERTREKWIJZE = _Weighted({"ZELFSTANDIG_AANTOONBAAR": 45, "GEDWONGEN": 35, "ZELFSTANDIG_NIET_AANTOONBAAR": 20})
# reasons of present persons who leave after the peildatum, and of out-of-scope stays that end
REASON_LATER = _Weighted({"MOB": 30, "GEDWONGEN_BEEINDIGD": 15, "OVERIG": 10, "TERUGKEER": 15,
                          "ASIELAANVRAAG": 20, "VERBLIJFSVERGUNNING": 10, "BBB": 3})

OPMERKINGEN = (
    "cliënt heeft ID-kaart aangevraagd", "reiskosten € 12,50 vergoed", "gesprek met advocaat; vervolg in LSO",
    "overleg met huisarts, privé-situatie", "dossier compleet", "café-bezoek met begeleider",
    "naïef over procedure, uitleg gegeven", "eigen bijdrage € 25 per week", "coördinatie met DT&V",
    "logeert tijdelijk elders; sleutel ingeleverd",
)


@dataclass(slots=True)
class _Draft:
    """A stay being built (dates as ordinals)."""

    pilot: str
    kind: str  # present | ended (both on PEILDATUM, in scope) | post (starts after it) | oos (out of scope)
    category: str | None = None  # ended: the outflow category it must get
    variant: str = "standaard"  # ended: how that category is arranged (calibration.VARIANTS)
    scope: tuple[str, ...] = ()  # oos: the reasons
    role: str = ""  # oos: the calibration.BUITEN_DOELGROEP entry
    bbb: bool = False
    fixed: bool = False  # dates set by its role: the capacity fit leaves them alone
    ends: bool = False  # oos: ends on or before PEILDATUM
    I: int = 0  # noqa: E741 - instroomdatum
    U: int | None = None
    R: str | None = None
    nat: str = ""
    land: str | None = None
    sex: str = "M"
    birth: int = 0
    scenario: str | None = None
    mrt: str = ""
    edge: str = ""
    linkage: str = "exact"
    herkomst: str = "NIEUW"
    samenstelling: str = "ALLEENSTAAND"
    regiobinding: bool = True
    same_person: _Draft | None = None  # a second stay of that draft's person
    person: NationalPerson | None = None
    m_v_nummer: str | None = None  # m_*: what the municipality delivers
    m_birth: int = 0
    m_sex: str = ""
    m_nat: str = ""
    events: list[tuple[int, str]] = field(default_factory=list)
    client_id: str = ""
    verblijf_id: str = ""
    correction: str = ""  # "geboortedatum": delivered wrongly in early deliveries


class Registry:
    """What replicas must not repeat: v_nummers (incl. typos) and demographic combinations."""

    def __init__(self) -> None:
        self.v_taken: set[str] = set()
        self.combos: set[tuple[int, str, str]] = set()  # every national person's demographics
        self.reserved: set[tuple[int, str, str]] = set()  # must stay unique (linkage step 2)


def _quota(weights: dict[str, float], n: int) -> list[str]:
    """n items distributed over the weights by largest remainder (exact, not sampled)."""
    total = sum(weights.values())
    raw = {k: w * n / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in raw.items()}
    rest = n - sum(counts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[:rest]:
        counts[k] += 1
    return [k for k in weights for _ in range(counts[k])]


class _ReplicaBuilder:
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
        pr = Procedure(f"IND{self.k:04d}{self.n_proc:06d}", soort, _d(a),
                       beslissing if b is not None else None, _d(b) if b is not None else None)
        p.procedures.append(pr)
        return pr

    def zaak(self, p: NationalPerson, start: int, vertrek: int | None = None, wijze: str | None = None,
             bestemming: str | None = None, land: str | None = None) -> Vertrekzaak:
        self.n_zaak += 1
        if vertrek is None:
            z = Vertrekzaak(f"DTV-{self.k:04d}-{self.n_zaak:06d}", _d(start))
        else:
            if wijze == "ZELFSTANDIG_NIET_AANTOONBAAR":
                bestemming = land = None
            z = Vertrekzaak(f"DTV-{self.k:04d}-{self.n_zaak:06d}", _d(start), _d(vertrek), wijze, bestemming, land)
        p.vertrekzaken.append(z)
        return z

    def maatregel(self, p: NationalPerson, soort: str, ingang: int, einde: int | None = None) -> Maatregel:
        self.n_maatregel += 1
        m = Maatregel(f"M{self.k:04d}-{self.n_maatregel:06d}", soort, _d(ingang),
                      _d(einde) if einde is not None else None)
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

    def _plan(self) -> None:
        rng = self.rng
        for i, pilot in enumerate(cal.PILOTS):
            for _ in range(cal.TARGET["aanwezig"][i]):
                self.drafts.append(_Draft(pilot, "present"))
            for category in cal.OUTFLOW_CATEGORIES:
                variants = cal.VARIANTS[pilot].get(category, ())
                for j in range(cal.TARGET[category][i]):
                    variant = variants[j] if j < len(variants) else "standaard"
                    self.drafts.append(_Draft(pilot, "ended", category=category, variant=variant,
                                              fixed=variant in U_WINDOWS))
            for _ in range(cal.NA_PEILDATUM[pilot]):
                self.drafts.append(_Draft(pilot, "post"))
            gezin_left = sum(1 for r in cal.BUITEN_DOELGROEP[pilot] if r == "GEZIN") - cal.GEZIN_AANWEZIG
            for role in cal.BUITEN_DOELGROEP[pilot]:
                reasons = tuple(role.replace("_TWEE_PILOTS", "").replace("_OP_INSTROOM", "").split("+"))
                d = _Draft(pilot, "oos", scope=reasons, role=role)
                if role == "GEZIN":
                    d.samenstelling = "GEZIN"
                    d.ends = gezin_left > 0
                    gezin_left -= 1
                else:
                    d.ends = rng.random() < 0.5
                if "GEEN_REGIOBINDING" in reasons:
                    d.regiobinding = False
                self.drafts.append(d)
                if role == "EU_BURGER_TWEE_PILOTS":
                    d.ends = True
                    d.fixed = True
                    second = _Draft("utrecht", "oos", scope=("EU_BURGER",), role="EU_BURGER_TWEE_PILOTS_2",
                                    fixed=True, same_person=d)
                    self.drafts.append(second)

    def _nationalities(self) -> None:
        rng = self.rng
        for pilot in cal.PILOTS:
            mine = [d for d in self.drafts if d.pilot == pilot]
            lands = list(cal.TERUGKEER_LANDEN[pilot])
            rng.shuffle(lands)
            for d in mine:
                if d.category == "terugkeer":
                    d.land = d.nat = lands.pop()
                elif (pilot, d.variant) in cal.NIET_GETELD_LAND:
                    d.land = d.nat = cal.NIET_GETELD_LAND[(pilot, d.variant)]
                elif d.role.startswith("EU_BURGER_TWEE_PILOTS"):
                    d.nat = "ROU"  # both stays of the one person in two pilots
                elif "EU_BURGER" in d.scope:
                    d.nat = rng.choice(cal.EU_NATIONALITIES)
            dm_lands = list(cal.DOORMIGRATIE_LANDEN[pilot])
            rng.shuffle(dm_lands)
            for d in mine:
                if d.category == "doormigratie":
                    d.land = dm_lands.pop()
            weights = cal.PILOT_NATIONALITIES[pilot]
            for group in ([d for d in mine if d.kind == "present"], [d for d in mine if d.kind != "present" and not d.nat]):
                pool = _quota(weights, len(group))
                rng.shuffle(pool)
                for d, nat in zip(group, pool):
                    d.nat = nat

    def _duration(self, d: _Draft) -> int:
        if d.pilot == "rotterdam" and d.nat in cal.SAFE_COUNTRIES:
            return self.r(20, 92) if self.rng.random() < 0.85 else self.r(93, 300)
        return int(self.rng.expovariate(1 / 170)) + 10

    def _dates(self) -> None:
        rng = self.rng
        for pilot in cal.PILOTS:
            mine = [d for d in self.drafts if d.pilot == pilot and d.kind != "post" and not d.fixed]
            gezin = [d for d in mine if d.samenstelling == "GEZIN"]
            rng.shuffle(gezin)
            forced = gezin[: max(0, len(gezin) - 4)]
            others = [d for d in mine if d.samenstelling != "GEZIN"]
            n_bbb = round(cal.BBB_SHARE[pilot] * len(mine)) - len(forced)
            for d in forced + rng.sample(others, max(0, n_bbb)):
                d.bbb = True
        for d in self.drafts:
            if d.variant in U_WINDOWS:
                d.bbb = False
            if d.bbb:
                d.herkomst = "BBB"
                d.I = S if rng.random() < 0.3 else self.r(S, S + 90)
            else:
                d.herkomst = "OVERIG" if rng.random() < 0.06 else "NIEUW"
            if d.role == "EU_BURGER_TWEE_PILOTS":
                d.I = self.r(_o(2019, 9, 1), _o(2020, 3, 1))
                d.U = d.I + self.r(60, 150)
                d.R = "OVERIG"
                continue
            if d.role == "EU_BURGER_TWEE_PILOTS_2":
                d.I = self.r(P + 10, L - 10)
                continue
            if d.kind == "post":
                d.I = self.r(P + 1, L - 3)
                continue
            if d.variant in U_WINDOWS:
                lo, hi = U_WINDOWS[d.variant]
                d.U = self.r(lo, hi)
                d.I = self.r(max(S + 10, d.U - 450), d.U - 14)
                continue
            if not d.bbb:
                present_at_p = d.kind == "present" or (d.kind == "oos" and not d.ends)
                d.I = self.r(S + 10, P) if present_at_p else self.r(S + 10, P - 10)
            if d.kind == "ended" or (d.kind == "oos" and d.ends):
                d.U = d.I + self._duration(d)
                if d.U > P:
                    d.U = self.r(d.I + 7, P)
            elif d.kind == "present" and rng.random() < 0.08:
                d.U = self.r(P + 1, L)  # leaves after the peildatum: only the last delivery shows it

    def _fit_capacity(self, pilot: str) -> None:
        """Keep the pilot at or below its capacity every day: shorten ended stays or move the
        start of present ones later. Both only lower the occupancy, so this ends."""
        cap = cal.CAPACITEIT[pilot]
        mine = [d for d in self.drafts if d.pilot == pilot]
        while True:
            occ = _occupancy([(d.I, d.U) for d in mine])
            over = next((t for t, n in enumerate(occ) if n > cap), None)
            if over is None:
                return
            t = S + over
            shorten = [d for d in mine if not d.fixed and d.U is not None and d.U <= P and d.I + 7 <= t < d.U]
            move = [d for d in mine if not d.fixed and not d.bbb and d.kind in ("present", "post")
                    and d.I <= t < (d.U if d.U is not None else L + 1) and t + 1 <= self._latest_start(d)]
            if shorten and (not move or self.rng.random() < 0.5):
                self.rng.choice(shorten).U = t
            elif move:
                d = self.rng.choice(move)
                d.I = self.r(t + 1, self._latest_start(d))
            else:  # pragma: no cover - the plan keeps every pilot below capacity at the peildatum
                raise RuntimeError(f"{pilot}: cannot stay within capacity {cap} on {_d(t)}")

    @staticmethod
    def _latest_start(d: _Draft) -> int:
        latest = P if d.kind == "present" else L - 3
        return latest if d.U is None else min(latest, d.U - 1)

    def _roles(self) -> None:
        rng = self.rng
        for i, pilot in enumerate(cal.PILOTS):
            present = [d for d in self.drafts if d.pilot == pilot and d.kind == "present"]
            labels = (["vertrek"] * cal.TARGET["scenario_vertrek"][i] + ["verblijf"] * cal.TARGET["scenario_verblijf"][i]
                      + ["geen"] * cal.TARGET["scenario_geen"][i])
            rng.shuffle(labels)
            for d, label in zip(present, labels, strict=True):
                d.scenario = label
            # MRT
            n_ended = cal.MRT_ENDED.get(pilot, 0)
            roomy = [d for d in present if d.I <= P - 60]
            for d in rng.sample(roomy, cal.TARGET["mrt_besproken"][i] - n_ended):
                d.mrt = "advies"
            ended = [d for d in self.drafts if d.pilot == pilot and d.kind == "ended" and d.variant == "standaard"
                     and d.category in ("gedwongen_beeindigd", "overig", "mob") and d.U - d.I >= 60]
            for d in rng.sample(ended, n_ended):
                d.mrt = "advies"
            free = [d for d in present if not d.mrt]
            for j, d in enumerate(rng.sample(free, cal.MRT_ONLY_AANGEMELD.get(pilot, 0))):
                d.mrt = "advies_na" if j == 0 and d.U is None else "aangemeld"
            # in-scope persons whose national records test the target-group rules
            for edge in cal.RANDGEVALLEN.get(pilot, ()):
                d = rng.choice([d for d in present if not d.mrt and not d.edge and d.I <= P - 90])
                d.edge = edge
            # ambiguous linkage: only where no counted figure depends on national records
            eligible = [d for d in self.drafts if d.pilot == pilot and not d.mrt and not d.edge and (
                d.kind == "present" or (d.kind == "ended" and d.variant == "standaard"
                                        and d.category in CATEGORIES_WITHOUT_NATIONAL))]
            for d in rng.sample(eligible, cal.LINK_AMBIGUOUS[pilot]):
                d.linkage = "ambigu"
        # a birth date delivered wrongly in early deliveries (Utrecht, present since the BBB days)
        d = rng.choice([d for d in self.drafts if d.pilot == "utrecht" and d.kind == "present" and d.bbb
                        and d.linkage == "exact" and not d.edge])
        d.correction = "geboortedatum"
        # other linkage situations: anywhere the linked person is the right one anyway
        pool = [d for d in self.drafts if d.linkage == "exact" and not d.edge and not d.correction
                and d.same_person is None and d.role != "EU_BURGER_TWEE_PILOTS"
                and not (set(d.scope) & NATIONAL_REASONS)]
        rng.shuffle(pool)
        n = len(self.drafts)
        counts = (("leeg", round(cal.LINK_EMPTY_SHARE * n)), ("typo", round(cal.LINK_TYPO_SHARE * n)),
                  ("typo_ander", cal.LINK_TYPO_OTHER), ("demografie_afwijkend", cal.LINK_DEMO_DIFFERS),
                  ("splink", cal.LINK_SPLINK))
        for kind, count in counts:
            for _ in range(count):
                pool.pop().linkage = kind
        # municipal reasons of stays that end without a calibrated category
        for d in self.drafts:
            if d.kind == "ended":
                d.R = VARIANT_REASON.get(d.variant, MUNICIPAL_REASON.get(d.category))
            elif d.U is not None and d.R is None:
                d.R = self.choice_w(REASON_LATER)

    def _draw_birth(self, instroom: int, mean: float = 40.0, sd: float = 9.5) -> int:
        age = min(74.0, max(18.5, self.rng.gauss(mean, sd)))
        return instroom - int(age * 365.25) - int(self.random() * 365)

    def _persons(self) -> None:
        rng, reg = self.rng, self.reg
        for d in self.drafts:
            if d.same_person is not None:
                continue
            if d.samenstelling == "GEZIN":
                d.sex = "V" if rng.random() < 0.65 else "M"
            else:
                x = rng.random()
                d.sex = "M" if x < 0.75 else ("V" if x < 0.995 else "X")
            birth = self._draw_birth(d.I)
            if d.linkage == "ambigu":
                year = _d(birth).year
                while (_o(year, 1, 1), d.sex, d.nat) in reg.reserved:
                    year -= 1
                birth = _o(year, 1, 1)
            elif d.linkage in ("leeg", "typo", "typo_ander"):
                while (birth, d.sex, d.nat) in reg.combos:
                    birth -= self.r(1, 60)
                reg.reserved.add((birth, d.sex, d.nat))
            else:
                if rng.random() < 0.03:
                    birth = _o(_d(birth).year, 1, 1)
                while (birth, d.sex, d.nat) in reg.reserved:
                    birth -= 1
            if d.linkage == "splink":
                birth = self._swappable_birth(birth, d.sex, d.nat)
            reg.combos.add((birth, d.sex, d.nat))
            d.birth = birth
            d.person = NationalPerson(self.new_v_nummer(), _d(birth), d.sex, d.nat, lvv=True, replica=self.k)
            self.persons.append(d.person)
        for d in self.drafts:
            if d.same_person is not None:
                src = d.same_person
                d.person, d.birth, d.sex = src.person, src.birth, src.sex
            p = d.person
            d.m_v_nummer, d.m_birth, d.m_sex, d.m_nat = p.v_nummer, d.birth, d.sex, d.nat
            if d.linkage in ("leeg", "ambigu"):
                d.m_v_nummer = None
            elif d.linkage == "typo":
                d.m_v_nummer = self.typo_of(p.v_nummer)
            elif d.linkage == "typo_ander":
                other = self._national_person(v_nummer=self.typo_of(p.v_nummer), avoid=d)
                d.m_v_nummer = other.v_nummer
            elif d.linkage == "splink":
                d.m_v_nummer = self._neighbour_swap(p.v_nummer)
                b = _d(d.birth)
                d.m_birth = date(b.year, b.day, b.month).toordinal()
            elif d.linkage == "demografie_afwijkend":
                what = rng.choice(("geboortedatum", "geslacht", "nationaliteit"))
                if what == "nationaliteit" and "EU_BURGER" in d.scope:
                    what = "geslacht"  # the EU nationality is what puts this stay out of scope
                if what == "geboortedatum":
                    b = _d(d.birth)
                    d.m_birth = (date(b.year, b.day, b.month).toordinal()
                                 if b.day <= 12 and b.day != b.month else d.birth + 1)
                elif what == "geslacht":
                    d.m_sex = "V" if d.sex == "M" else "M"
                else:
                    d.m_nat = "XXX" if d.nat != "XXX" else "SOM"
            if d.linkage == "ambigu":  # a second national person with the very same demographics
                self._national_person(demographics=(d.birth, d.sex, d.nat))

    def _swappable_birth(self, birth: int, sex: str, nat: str) -> int:
        """The nearest earlier birth date whose day and month can be swapped (day <= 12, day !=
        month), with both the date and its swapped form unique among the national persons, so
        that steps 1 and 2 of the linkage find nothing and only Splink can link the stay.
        Deterministic: the draws of the other persons stay as they were."""
        reg = self.reg
        while True:
            b = _d(birth)
            if b.day <= 12 and b.day != b.month:
                swapped = date(b.year, b.day, b.month).toordinal()
                if not {(birth, sex, nat), (swapped, sex, nat)} & (reg.combos | reg.reserved):
                    reg.reserved.update({(birth, sex, nat), (swapped, sex, nat)})
                    return birth
            birth -= 1

    def _neighbour_swap(self, v: str) -> str:
        """`v` with the first pair of different neighbouring digits swapped (not creating a leading
        zero) that gives an unused number. Deterministic, like `_swappable_birth`."""
        for i in range(1, len(v) - 1):
            if v[i] != v[i + 1]:
                typo = v[:i] + v[i + 1] + v[i] + v[i + 2:]
                if typo not in self.reg.v_taken:
                    self.reg.v_taken.add(typo)
                    return typo
        raise ValueError(f"geen verwisseling mogelijk voor {v}")

    def _national_person(self, v_nummer: str | None = None, demographics: tuple[int, str, str] | None = None,
                         avoid: _Draft | None = None) -> NationalPerson:
        """A person known only nationally (records are added in `_national_only`)."""
        rng, reg = self.rng, self.reg
        if demographics is None:
            while True:
                nat = self.choice_w(NATIONAL_NATIONALITIES)
                sex = "M" if rng.random() < 0.7 else ("V" if rng.random() < 0.98 else "X")
                birth = self._draw_birth(NATIONAL_REFERENCE, mean=36, sd=11)
                if rng.random() < 0.04:
                    birth = _o(_d(birth).year, 1, 1)
                if avoid is not None and (nat == avoid.nat or birth == avoid.birth):
                    continue  # typo_ander: at most one of the three may agree
                while (birth, sex, nat) in reg.reserved:
                    birth -= 1
                break
            demographics = (birth, sex, nat)
        reg.combos.add(demographics)
        birth, sex, nat = demographics
        p = NationalPerson(v_nummer or self.new_v_nummer(), _d(birth), sex, nat, lvv=False, replica=self.k)
        self.persons.append(p)
        return p

    # -- national records of LVV persons --------------------------------------------------------
    def _history(self, p: NationalPerson, instroom: int, birth: int, asylum: bool = True) -> None:
        """What the chain knew before the stay: decided procedures, departure cases without a
        departure (a few left with unknown destination before), nothing pending, no measure."""
        rng, I = self.rng, instroom
        first = birth + 16 * 366
        lo_decision = None
        if asylum and rng.random() < 0.88:
            a1 = self.r(max(first, I - 5200), I - 420)
            b1 = min(a1 + self.r(60, 720), I - 31 - self.r(0, 60))
            beslissing = self.choice_w(DECISION_BEFORE_LVV)
            self.proc(p, "ASIEL_EERSTE", a1, beslissing, b1)
            lo_decision = b1
            if rng.random() < 0.4 and b1 + 90 < I - 40:
                a2 = self.r(b1 + 30, I - 54)
                self.proc(p, "ASIEL_HERHAALD", a2, "AFWIJZING", self.r(a2 + 14, I - 1))
        else:
            a = self.r(max(first, I - 4200), I - 220)
            b = self.r(a + 30, I - 1)
            self.proc(p, "REGULIER", a, "AFWIJZING", b)
            lo_decision = b
        if rng.random() < 0.1:
            a = self.r(max(first, I - 2500), I - 90)
            self.proc(p, "BUITEN_SCHULD", a, "AFWIJZING", self.r(a + 20, I - 1))
        n = self.choice_w(PRIOR_VERTREKZAKEN)
        starts = sorted(self.r(max(lo_decision - 30, I - 3000), I - 1) for _ in range(n))
        for j, start in enumerate(starts):
            if j == n - 1 and rng.random() < 0.12 and start + 1 <= I - 1:
                self.zaak(p, start, self.r(start + 1, I - 1), "ZELFSTANDIG_NIET_AANTOONBAAR")
            else:
                self.zaak(p, start)

    def _lvv_records(self) -> None:
        for d in self.drafts:
            if d.same_person is not None:
                continue
            p = d.person
            self._history(p, d.I, d.birth, asylum="EU_BURGER" not in d.scope)
            if d.kind == "ended":
                self._outflow(d)
            elif d.kind == "present":
                self._present_records(d)
            for reason in d.scope:
                self._scope_records(d, reason)
            if d.edge:
                self._edge_records(d)

    def _departure_window(self, d: _Draft, lo_off: int, hi_off: int) -> int:
        return self.r(max(d.I + 1, d.U + lo_off), min(d.U + hi_off, P))

    def _outflow(self, d: _Draft) -> None:
        """National records that give an ended stay its calibrated category (MONITOR.md)."""
        rng, p, I, U, v = self.rng, d.person, d.I, d.U, d.variant
        cat = d.category
        if cat == "bestendig_verblijf":
            if v == "bv_u30":
                b = U + 30
            elif v == "bv_na_uitstroom":
                b = U + self.r(5, 25)
            else:
                b = self.r(max(I + 2, U - 60), min(U + 20, P))
            soort = rng.choice(("REGULIER", "ASIEL_HERHAALD", "BUITEN_SCHULD"))
            self.proc(p, soort, self.r(max(I + 1, b - 400), b - 1), "INWILLIGING", b)
        elif cat in ("terugkeer", "doormigratie"):
            bestemming = "HERKOMSTLAND" if cat == "terugkeer" else "DERDE_LAND"
            wijze = "GEDWONGEN" if rng.random() < (0.25 if cat == "terugkeer" else 0.1) else "ZELFSTANDIG_AANTOONBAAR"
            if v == "tk_u30":
                vd = U + 30
            elif v in ("tk_correctie_mob", "tk_laat_geregistreerd"):
                vd = U + self.r(0, 10)
            elif v == "tk_twee_vertrekken":
                self.zaak(p, self.r(I, U), U + 1, "ZELFSTANDIG_NIET_AANTOONBAAR")
                vd = U + self.r(8, 25)
            else:
                vd = self._departure_window(d, -3, 14)
            start = self.r(I - 400, I - 1) if rng.random() < 0.3 else self.r(max(I, vd - 200), vd - 1)
            z = self.zaak(p, start, vd, wijze, bestemming, d.land)
            if v == "tk_laat_geregistreerd":
                self._special["dtv_laat"] = z
        elif cat == "asielaanvraag_azc":
            if v == "azc_laat":
                self.proc(p, "ASIEL_HERHAALD", U + 40)
            elif v != "azc_geen":
                a = self.r(max(I + 1, U - 10), min(U + 3, P))
                b = a + self.r(60, 400)
                if rng.random() < 0.5 or b > L:
                    self.proc(p, "ASIEL_HERHAALD", a)
                else:
                    self.proc(p, "ASIEL_HERHAALD", a, "AFWIJZING" if rng.random() < 0.7 else "INWILLIGING", b)
        elif cat == "uitstel_art64":
            if v == "art64_lopend":
                self.proc(p, "MEDISCH_ART64", self.r(max(I + 1, U - 60), U))
            elif v != "art64_geen":
                b = self.r(max(I + 2, U - 20), min(U + 10, P))
                beslissing = "AFWIJZING" if v == "art64_afgewezen" else "INWILLIGING"
                self.proc(p, "MEDISCH_ART64", self.r(max(I + 1, b - 150), b - 1), beslissing, b)
        elif cat == "mob":
            if v in ("mob_zna", "mob_tk_zna"):
                vd = self._departure_window(d, -3, 20)
                self.zaak(p, self.r(max(I, vd - 200), vd - 1), vd, "ZELFSTANDIG_NIET_AANTOONBAAR")
            elif rng.random() < 0.3:
                self.zaak(p, self.r(I, U - 1))
        elif cat == "onbevestigd":
            if v == "vv_laat":
                self.proc(p, "REGULIER", self.r(max(I + 1, U - 200), U - 1), "INWILLIGING", U + 45)
            elif v in ("vv_art64", "vv_afgewezen"):
                b = self.r(max(I + 2, U - 20), min(U + 10, P))
                soort = "MEDISCH_ART64" if v == "vv_art64" else "REGULIER"
                beslissing = "INWILLIGING" if v == "vv_art64" else "AFWIJZING"
                self.proc(p, soort, self.r(max(I + 1, b - 150), b - 1), beslissing, b)
            elif v == "tk_geen" and rng.random() < 0.5:
                self.zaak(p, self.r(I, U - 1))
            elif v in ("tk_u31", "tk_na_peildatum"):
                vd = U + 31 if v == "tk_u31" else self.r(P + 1, U + 30)
                self.zaak(p, self.r(max(I, U - 150), U - 1), vd, "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", d.land)
            elif v == "tk_voor_instroom":
                vd = self.r(I - 300, I - 30)
                self.zaak(p, vd - self.r(30, 300), vd, "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", d.land)

    def _present_records(self, d: _Draft) -> None:
        """Present at the peildatum: pending applications, open departure cases, and for those
        who leave after the peildatum what confirms it (only in the last delivery)."""
        rng, p, I = self.rng, d.person, d.I
        end = d.U - 1 if d.U is not None else L
        if rng.random() < 0.15:
            a = self.r(I + 1, min(P, end))
            b = a + self.r(60, 300)
            if rng.random() < 0.4 and b <= L:
                self.proc(p, rng.choice(("REGULIER", "BUITEN_SCHULD")), a, "AFWIJZING", b)
            else:
                self.proc(p, rng.choice(("REGULIER", "BUITEN_SCHULD")), a)
        if d.scenario == "vertrek" and rng.random() < 0.3:
            self.zaak(p, self.r(I, min(P, end)))
        if d.U is not None:  # leaves between the peildatum and the last delivery
            U = d.U
            if d.R == "TERUGKEER":
                self.zaak(p, self.r(max(I, U - 120), U - 1), self.r(U, min(U + 10, L)), "ZELFSTANDIG_AANTOONBAAR",
                          "HERKOMSTLAND", d.nat if d.nat != "XXX" else None)
            elif d.R == "ASIELAANVRAAG":
                self.proc(p, "ASIEL_HERHAALD", self.r(max(I + 1, U - 5), min(U + 2, L)))
            elif d.R == "VERBLIJFSVERGUNNING":
                b = self.r(max(I + 2, U - 20), min(U + 10, L))
                self.proc(p, "REGULIER", self.r(max(I + 1, b - 200), b - 1), "INWILLIGING", b)

    def _scope_records(self, d: _Draft, reason: str) -> None:
        """Out-of-scope persons: the measure or pending procedure in force on instroomdatum."""
        rng, p, I = self.rng, d.person, d.I
        if reason in ("INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING"):
            self.maatregel(p, reason, I - self.r(30, 2500))
        elif reason == "DUBLINCLAIM":
            if d.role == "DUBLINCLAIM_OP_INSTROOM":
                self.maatregel(p, reason, I)
            else:
                einde = I + self.r(60, 240)
                self.maatregel(p, reason, I - self.r(5, 150), einde if einde <= L and rng.random() < 0.5 else None)
        elif reason == "RIJKSOPVANG":
            soort = "ASIEL_HERHAALD" if any(x.soort == "ASIEL_EERSTE" for x in p.procedures) else "ASIEL_EERSTE"
            b = I + self.r(20, 300)
            if rng.random() < 0.5 and b <= L:
                self.proc(p, soort, I - self.r(3, 90), "AFWIJZING", b)
            else:
                self.proc(p, soort, I - self.r(3, 90))

    def _edge_records(self, d: _Draft) -> None:
        """In scope, but only just: the target-group rules at their boundaries."""
        p, I = d.person, d.I
        if d.edge == "maatregel_verlopen":
            self.maatregel(p, "DUBLINCLAIM", I - self.r(300, 700), I - self.r(10, 200))
        elif d.edge == "maatregel_eindigt_op_instroom":
            self.maatregel(p, "INREISVERBOD_ZWAAR", I - self.r(1500, 4000), I)
        elif d.edge == "maatregel_na_instroom":
            self.maatregel(p, "ONGEWENSTVERKLARING", I + self.r(20, 60))
        elif d.edge == "asiel_beslist_op_instroom":
            self.proc(p, "ASIEL_HERHAALD", I - self.r(30, 120), "AFWIJZING", I)

    # -- persons known only nationally ----------------------------------------------------------
    def _national_only(self) -> None:
        n_lvv = sum(1 for p in self.persons if p.lvv)
        for _ in range(cal.NATIONAL_ONLY_PER_LVV * n_lvv):
            self._national_person()
        for p in self.persons:
            if not p.lvv:
                self._national_only_records(p)
        # two records a later delivery corrects (see `_emit`)
        p = next(p for p in self.persons if not p.lvv)
        self._special["maatregel_laat"] = self.maatregel(p, "DUBLINCLAIM", _o(2019, 5, 2) + self.r(0, 20),
                                                         _o(2019, 10, 15) + self.r(0, 30))
        self._special["beslissing_fout"] = self.proc(p, "REGULIER", _o(2019, 11, 4) + self.r(0, 20), "INGETROKKEN",
                                                     _o(2020, 5, 12) + self.r(0, 20))

    def _national_only_records(self, p: NationalPerson) -> None:
        rng = self.rng
        anchor = self.r(NATIONAL_FIRST, NATIONAL_LAST)
        soort = "ASIEL_EERSTE" if rng.random() < 0.85 else "REGULIER"
        last = self._national_procedure(p, soort, anchor)
        if rng.random() < 0.25 and last + 60 <= L:
            soort = self.choice_w(NATIONAL_SECOND_PROCEDURE)
            self._national_procedure(p, soort, self.r(last + 60, min(last + 1500, L)))
        for _ in range(self.choice_w(NATIONAL_VERTREKZAKEN)):
            start = self.r(anchor + 100, min(anchor + 3500, L))
            vd = start + self.r(20, 600)
            if rng.random() < 0.3 and vd <= L:
                wijze = self.choice_w(NATIONAL_VERTREKWIJZE)
                if rng.random() < 0.85:
                    bestemming, land = "HERKOMSTLAND", (p.nationaliteit if p.nationaliteit != "XXX" else None)
                else:
                    bestemming, land = "DERDE_LAND", rng.choice(("DEU", "BEL", "FRA", "GBR", "ITA", "ESP", "CAN"))
                self.zaak(p, start, vd, wijze, bestemming, land)
            else:
                self.zaak(p, start)
        if rng.random() < 0.025:
            soort = rng.choice(("INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM"))
            ingang = self.r(anchor + 100, min(anchor + 4000, L))
            einde = ingang + self.r(200, 2500)
            self.maatregel(p, soort, ingang, einde if rng.random() < 0.4 and einde <= L else None)

    def _national_procedure(self, p: NationalPerson, soort: str, a: int) -> int:
        b = a + self.r(40, 700)
        if b > L:
            self.proc(p, soort, a)
            return a
        beslissing = self.choice_w(NATIONAL_DECISION)
        self.proc(p, soort, a, beslissing, b)
        return b

    # -- trajecten --------------------------------------------------------------------------------
    def _scenario_events(self, d: _Draft, lo: int, hi: int, n: int, last: str | None = None) -> None:
        """n scenario events on distinct days in [lo, hi]; the last one is `last` if given."""
        used = {t for t, _ in d.events}
        if hi - lo + 1 > 4 * (n + len(used)):  # plenty of room: draw until distinct
            picked: set[int] = set()
            while len(picked) < n:
                t = self.r(lo, hi)
                if t not in used:
                    picked.add(t)
            chosen = sorted(picked)
        else:
            days = [t for t in range(lo, hi + 1) if t not in used]
            if not days:
                return
            chosen = sorted(self.rng.sample(days, min(n, len(days))))
        for j, t in enumerate(chosen):
            kind = last if (last and j == len(chosen) - 1) else self.rng.choice(("vertrek", "verblijf"))
            d.events.append((t, "SCENARIO_" + kind.upper()))

    def _events(self) -> None:
        rng = self.rng
        for d in self.drafts:
            end = d.U - 1 if d.U is not None else L
            if d.kind == "present":
                if d.scenario in ("vertrek", "verblijf"):
                    n = 1 + (rng.random() < 0.25) + (rng.random() < 0.08)
                    self._scenario_events(d, d.I, P, n, last=d.scenario)
                    if rng.random() < 0.05 and end > P:
                        other = "verblijf" if d.scenario == "vertrek" else "vertrek"
                        self._scenario_events(d, P + 1, end, 1, last=other)
                elif rng.random() < 0.2 and end > P:
                    self._scenario_events(d, P + 1, end, 1)
            elif d.kind == "ended":
                if rng.random() < 0.5:
                    self._scenario_events(d, d.I, end, 1 + (rng.random() < 0.3))
            elif d.kind == "post":
                if rng.random() < 0.3:
                    self._scenario_events(d, d.I, end, 1)
            elif rng.random() < 0.3:
                self._scenario_events(d, d.I, min(end, max(d.I, P)) if d.I <= P else end, 1)
            if d.mrt == "advies":
                a1 = self.r(d.I + 7, min(P, end) - 14)
                d.events += [(a1, "MRT_AANGEMELD"), (self.r(a1 + 7, min(P, end)), "MRT_ADVIES")]
            elif d.mrt == "aangemeld":
                d.events.append((self.r(d.I, P), "MRT_AANGEMELD"))
            elif d.mrt == "advies_na":
                d.events += [(self.r(d.I, P), "MRT_AANGEMELD"), (self.r(P + 1, end), "MRT_ADVIES")]
        # an out-of-scope family discussed in the MRT: not counted in mrt_besproken
        gezin = next(d for d in self.drafts if d.samenstelling == "GEZIN" and d.U is None and d.I <= P - 60)
        a1 = self.r(gezin.I + 7, P - 14)
        gezin.events += [(a1, "MRT_AANGEMELD"), (self.r(a1 + 7, P), "MRT_ADVIES")]
        # every pilot's first trajecten delivery has at least one event
        for pilot in cal.PILOTS:
            mine = [d for d in self.drafts if d.pilot == pilot]
            if any(t <= EARLY for d in mine for t, _ in d.events):
                continue
            for d in sorted(mine, key=lambda d: d.I):
                if d.I > EARLY:
                    break
                scenario_days = [t for t, e in d.events if e.startswith("SCENARIO_")]
                if d.kind in ("ended", "oos"):
                    hi = min(EARLY, (d.U or L + 1) - 1)
                elif d.scenario in ("vertrek", "verblijf"):
                    hi = min(EARLY, min(scenario_days) - 1)
                else:
                    continue
                if hi >= d.I:
                    self._scenario_events(d, d.I, hi, 1)
                    break
        for d in self.drafts:
            d.events.sort()

    # -- identifiers and output --------------------------------------------------------------------
    def _ids(self) -> None:
        k = self.k
        for pilot in cal.PILOTS:
            mine = sorted((d for d in self.drafts if d.pilot == pilot), key=lambda d: (d.I, self.rng.random()))
            for n, d in enumerate(mine, start=1):
                d.client_id, d.verblijf_id = _pilot_ids(pilot, k, n)

    def _emit(self) -> Population:
        rng = self.rng
        stays: list[Stay] = []
        for d in sorted(self.drafts, key=lambda d: (cal.PILOTS.index(d.pilot), d.verblijf_id)):
            category = d.category if d.kind == "ended" else None
            opmerking = rng.choice(OPMERKINGEN) if d.pilot == "utrecht" and rng.random() < 0.2 else None
            stays.append(Stay(
                bron=d.pilot, client_id=d.client_id, verblijf_id=d.verblijf_id, v_nummer=d.m_v_nummer,
                geboortedatum=_d(d.m_birth), geslacht=d.m_sex, nationaliteit=d.m_nat, samenstelling=d.samenstelling,
                instroomdatum=_d(d.I), herkomst=d.herkomst, regiobinding=d.regiobinding,
                uitstroomdatum=_d(d.U) if d.U is not None else None, uitstroomreden=d.R if d.U is not None else None,
                events=[Event(_d(t), e) for t, e in d.events], opmerking=opmerking,
                person=d.person.v_nummer, replica=self.k, scope_reasons=d.scope, category=category,
                variant=d.role or d.edge or (d.variant if d.kind == "ended" else ""), linkage=d.linkage,
                scenario=d.scenario,
            ))
            if d.variant == "tk_correctie_mob":
                self.corrections.append(Correction(
                    d.pilot, "verblijven", d.verblijf_id, (date(2020, 1, 1), date(2020, 4, 1)),
                    (("uitstroomreden", "MOB"),), "uitstroomreden MOB, later gecorrigeerd naar TERUGKEER"))
            elif d.variant == "laat_uitgeschreven":
                self.corrections.append(Correction(
                    d.pilot, "verblijven", d.verblijf_id, (date(2020, 4, 1),),
                    (("uitstroomdatum", None), ("uitstroomreden", None)), "uitstroom pas later geregistreerd"))
            elif d.correction == "geboortedatum":
                b = _d(d.m_birth)
                wrong = b.replace(year=b.year + 10) if not (b.month == 2 and b.day == 29) else b.replace(day=28)
                self.corrections.append(Correction(
                    d.pilot, "verblijven", d.verblijf_id, (date(2020, 1, 1), date(2020, 4, 1)),
                    (("geboortedatum", wrong),), "geboortedatum verkeerd ingevoerd, later hersteld"))
        z = self._special["dtv_laat"]
        self.corrections.append(Correction(
            "dtv", "vertrekzaken", z.zaak_id, (date(2020, 4, 1),),
            (("vertrekdatum", None), ("vertrekwijze", None), ("bestemming", None), ("land", None)),
            "vertrek pas later geregistreerd"))
        m = self._special["maatregel_laat"]
        self.corrections.append(Correction(
            "ind", "maatregelen", m.maatregel_id, cal.CORRECTABLE_PEILDATA, (("einddatum", None),),
            "einddatum maatregel pas later geregistreerd"))
        pr = self._special["beslissing_fout"]
        self.corrections.append(Correction(
            "ind", "procedures", pr.procedure_id, (date(2020, 7, 1),), (("beslissing", "AFWIJZING"),),
            "beslissing verkeerd geregistreerd (was INGETROKKEN)"))
        return Population(seed=0, scale=1, stays=stays, persons=self.persons, corrections=self.corrections)


def _pilot_ids(pilot: str, k: int, n: int) -> tuple[str, str]:
    if pilot == "amsterdam":
        return f"{1_000_000 + k * 10_000 + n}", f"AMS-{k:03d}-{n:04d}"
    if pilot == "rotterdam":
        return f"R{k:03d}{n:04d}", f"RV-{k:03d}{n:04d}"
    if pilot == "utrecht":
        return f"UTR{k:03d}{n:04d}", f"U-{k:03d}{n:04d}-1"
    if pilot == "groningen":
        return f"{20_000_000 + k * 10_000 + n}", f"GRN{k:03d}{n:04d}"
    return f"EHV-{k:03d}-{n:04d}", f"EHV-{k:03d}-{n:04d}/1"


def _occupancy(spans: list[tuple[int, int | None]]) -> list[int]:
    """Persons present per day from the programme start to LAST_DAY (present: I <= t < U)."""
    diff = [0] * (L - S + 2)
    for start, end in spans:
        diff[start - S] += 1
        diff[min(end if end is not None else L + 1, L + 1) - S] -= 1
    occ, running = [], 0
    for x in diff[:-1]:
        running += x
        occ.append(running)
    return occ


def invalid_rows() -> list[InvalidRow]:
    """Extra rows the pipeline must quarantine: records that exist nowhere else, so losing
    them changes no figure. Values in contract order; `raw` is what is delivered instead."""
    return [
        InvalidRow("amsterdam", "verblijven", date(2020, 11, 1),
                   ("1999901", "AMS-999-0001", None, date(1987, 3, 14), "M", "ERI", "ALLEENSTAAND",
                    date(2020, 6, 15), "NIEUW", True, None, None),
                   (("geslacht", "Q"),), "onbekende code geslacht 'Q'"),
        InvalidRow("amsterdam", "verblijven", date(2020, 11, 1),
                   ("1999902", "AMS-999-0002", None, date(1979, 8, 2), "M", "IRN", "ALLEENSTAAND",
                    date(2020, 2, 28), "NIEUW", True, None, None),
                   (("instroomdatum", "31-02-2020"),), "instroomdatum 31-02-2020 bestaat niet"),
        InvalidRow("utrecht", "trajecten", date(2020, 11, 1),
                   ("UTR9990001", "U-9990001-1", date(2020, 9, 14), "SCENARIO_VERTREK"),
                   (("gebeurtenis", "SCENARIO_ONBEKEND"),), "onbekende code gebeurtenis 'SCENARIO_ONBEKEND'"),
        InvalidRow("groningen", "verblijven", date(2020, 11, 1),
                   ("29990001", "GRN9990001", None, date(1990, 1, 1), "M", "AFG", "ALLEENSTAAND",
                    date(2020, 8, 3), "NIEUW", True, None, None),
                   (("nationaliteit", ""),), "verplichte waarde nationaliteit ontbreekt"),
        InvalidRow("rotterdam", "trajecten", date(2020, 11, 1),
                   ("R9990001", "RV-9990001", date(2020, 10, 2), "SCENARIO_VERBLIJF"),
                   (("datum", ""),), "verplichte waarde datum ontbreekt"),
        InvalidRow("dtv", "vertrekzaken", date(2020, 11, 1),
                   ("123456789", date(1984, 6, 30), "M", "GEO", "DTV-9999-000001", date(2020, 5, 4),
                    date(2020, 8, 20), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "GEO"),
                   (), "v_nummer '123456789' heeft geen 10 cijfers"),
        InvalidRow("ind", "procedures", date(2021, 2, 1),
                   ("98765432101", date(1992, 12, 1), "V", "NGA", "IND9999000001", "REGULIER",
                    date(2020, 3, 2), "INWILLIGING", date(2020, 9, 9)),
                   (), "v_nummer '98765432101' heeft geen 10 cijfers"),
        InvalidRow("eindhoven", "verblijven", date(2021, 2, 1),
                   ("EHV-999-0001", "EHV-999-0001/1", None, date(1975, 5, 5), "M", "MAR", "ALLEENSTAAND",
                    date(2020, 7, 1), "NIEUW", True, date(2020, 12, 1), "OVERIG"),
                   (("uitstroomreden", "VERHUISD"),), "onbekende code uitstroomreden 'VERHUISD'"),
    ]


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
