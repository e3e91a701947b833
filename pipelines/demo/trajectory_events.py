"""Step 4 of the demo generator: the trajectory events (scenarios, MRT) of every stay."""

from __future__ import annotations

from . import calibration as cal
from .construction import EARLY, END_DAY, PEILDATUM_DAY, _Draft


class TrajectoryEvents:
    """Scenario and MRT events of the stays.

    Mixed into the replica builder of population.py; uses its random helpers (`r`, `choice_w`,
    `rng`) and its state."""

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
            end = d.U - 1 if d.U is not None else END_DAY
            if d.kind == "present":
                if d.scenario in ("vertrek", "verblijf"):
                    n = 1 + (rng.random() < 0.25) + (rng.random() < 0.08)
                    self._scenario_events(d, d.I, PEILDATUM_DAY, n, last=d.scenario)
                    if rng.random() < 0.05 and end > PEILDATUM_DAY:
                        other = "verblijf" if d.scenario == "vertrek" else "vertrek"
                        self._scenario_events(d, PEILDATUM_DAY + 1, end, 1, last=other)
                elif rng.random() < 0.2 and end > PEILDATUM_DAY:
                    self._scenario_events(d, PEILDATUM_DAY + 1, end, 1)
            elif d.kind == "ended":
                if rng.random() < 0.5:
                    self._scenario_events(d, d.I, end, 1 + (rng.random() < 0.3))
            elif d.kind == "post":
                if rng.random() < 0.3:
                    self._scenario_events(d, d.I, end, 1)
            elif rng.random() < 0.3:
                self._scenario_events(d, d.I, min(end, max(d.I, PEILDATUM_DAY)) if d.I <= PEILDATUM_DAY else end, 1)
            if d.mrt == "advies":
                a1 = self.r(d.I + 7, min(PEILDATUM_DAY, end) - 14)
                d.events += [(a1, "MRT_AANGEMELD"), (self.r(a1 + 7, min(PEILDATUM_DAY, end)), "MRT_ADVIES")]
            elif d.mrt == "aangemeld":
                d.events.append((self.r(d.I, PEILDATUM_DAY), "MRT_AANGEMELD"))
            elif d.mrt == "advies_na":
                d.events += [(self.r(d.I, PEILDATUM_DAY), "MRT_AANGEMELD"), (self.r(PEILDATUM_DAY + 1, end), "MRT_ADVIES")]
        # an out-of-scope family discussed in the MRT: not counted in mrt_besproken
        gezin = next(d for d in self.drafts if d.samenstelling == "GEZIN" and d.U is None and d.I <= PEILDATUM_DAY - 60)
        a1 = self.r(gezin.I + 7, PEILDATUM_DAY - 14)
        gezin.events += [(a1, "MRT_AANGEMELD"), (self.r(a1 + 7, PEILDATUM_DAY), "MRT_ADVIES")]
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
                    hi = min(EARLY, (d.U or END_DAY + 1) - 1)
                elif d.scenario in ("vertrek", "verblijf"):
                    hi = min(EARLY, min(scenario_days) - 1)
                else:
                    continue
                if hi >= d.I:
                    self._scenario_events(d, d.I, hi, 1)
                    break
        for d in self.drafts:
            d.events.sort()
