"""Step 1 of the demo generator: plan the stays of every pilot, their nationalities, dates and
roles, so that the counts of calibration.py come out exactly and capacity is never exceeded."""

from __future__ import annotations

from . import calibration as cal
from .construction import (
    CATEGORIES_WITHOUT_NATIONAL,
    END_DAY,
    MUNICIPAL_REASON,
    NATIONAL_REASONS,
    PEILDATUM_DAY,
    REASON_LATER,
    START_DAY,
    U_WINDOWS,
    VARIANT_REASON,
    _Draft,
    _quota,
    as_date,
    day_number,
)


class PlanStays:
    """The stays of every pilot: how many of each kind, their nationality, dates and role.

    Mixed into the replica builder of population.py; uses its random helpers (`r`, `choice_w`,
    `rng`) and its state."""

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
                d.I = START_DAY if rng.random() < 0.3 else self.r(START_DAY, START_DAY + 90)
            else:
                d.herkomst = "OVERIG" if rng.random() < 0.06 else "NIEUW"
            if d.role == "EU_BURGER_TWEE_PILOTS":
                d.I = self.r(day_number(2019, 9, 1), day_number(2020, 3, 1))
                d.U = d.I + self.r(60, 150)
                d.R = "OVERIG"
                continue
            if d.role == "EU_BURGER_TWEE_PILOTS_2":
                d.I = self.r(PEILDATUM_DAY + 10, END_DAY - 10)
                continue
            if d.kind == "post":
                d.I = self.r(PEILDATUM_DAY + 1, END_DAY - 3)
                continue
            if d.variant in U_WINDOWS:
                lo, hi = U_WINDOWS[d.variant]
                d.U = self.r(lo, hi)
                d.I = self.r(max(START_DAY + 10, d.U - 450), d.U - 14)
                continue
            if not d.bbb:
                present_at_p = d.kind == "present" or (d.kind == "oos" and not d.ends)
                d.I = self.r(START_DAY + 10, PEILDATUM_DAY) if present_at_p else self.r(START_DAY + 10, PEILDATUM_DAY - 10)
            if d.kind == "ended" or (d.kind == "oos" and d.ends):
                d.U = d.I + self._duration(d)
                if d.U > PEILDATUM_DAY:
                    d.U = self.r(d.I + 7, PEILDATUM_DAY)
            elif d.kind == "present" and rng.random() < 0.08:
                d.U = self.r(PEILDATUM_DAY + 1, END_DAY)  # leaves after the peildatum: only the last delivery shows it

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
            t = START_DAY + over
            shorten = [d for d in mine if not d.fixed and d.U is not None and d.U <= PEILDATUM_DAY and d.I + 7 <= t < d.U]
            move = [d for d in mine if not d.fixed and not d.bbb and d.kind in ("present", "post")
                    and d.I <= t < (d.U if d.U is not None else END_DAY + 1) and t + 1 <= self._latest_start(d)]
            if shorten and (not move or self.rng.random() < 0.5):
                self.rng.choice(shorten).U = t
            elif move:
                d = self.rng.choice(move)
                d.I = self.r(t + 1, self._latest_start(d))
            else:  # pragma: no cover - the plan keeps every pilot below capacity at the peildatum
                raise RuntimeError(f"{pilot}: cannot stay within capacity {cap} on {as_date(t)}")

    @staticmethod
    def _latest_start(d: _Draft) -> int:
        latest = PEILDATUM_DAY if d.kind == "present" else END_DAY - 3
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
            roomy = [d for d in present if d.I <= PEILDATUM_DAY - 60]
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
                d = rng.choice([d for d in present if not d.mrt and not d.edge and d.I <= PEILDATUM_DAY - 90])
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



def _occupancy(spans: list[tuple[int, int | None]]) -> list[int]:
    """Persons present per day from the programme start to LAST_DAY (present: I <= t < U)."""
    diff = [0] * (END_DAY - START_DAY + 2)
    for start, end in spans:
        diff[start - START_DAY] += 1
        diff[min(end if end is not None else END_DAY + 1, END_DAY + 1) - START_DAY] -= 1
    occ, running = [], 0
    for x in diff[:-1]:
        running += x
        occ.append(running)
    return occ
