"""Step 2 of the demo generator: the persons behind the stays (demographics as the municipality
and the national chain know them, typos included) and persons known only nationally."""

from __future__ import annotations

from datetime import date

from .construction import NATIONAL_NATIONALITIES, NATIONAL_REFERENCE, _Draft, as_date, day_number
from .model import NationalPerson


class MakePersons:
    """The persons behind the planned stays, with the demographics linkage relies on.

    Mixed into the replica builder of population.py; uses its random helpers (`r`, `choice_w`,
    `rng`) and its state."""

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
                year = as_date(birth).year
                while (day_number(year, 1, 1), d.sex, d.nat) in reg.reserved:
                    year -= 1
                birth = day_number(year, 1, 1)
            elif d.linkage in ("leeg", "typo", "typo_ander"):
                # Linkage step 2 must find exactly this person: its demographics must be no other
                # national person's (combos) and no stay's delivered demographics that must stay
                # unique (reserved: e.g. the day-month swapped birth date of an earlier replica's
                # Splink stay, which step 2 would otherwise link to this person).
                while (birth, d.sex, d.nat) in reg.combos or (birth, d.sex, d.nat) in reg.reserved:
                    birth -= self.r(1, 60)
                reg.reserved.add((birth, d.sex, d.nat))
            else:
                if rng.random() < 0.03:
                    birth = day_number(as_date(birth).year, 1, 1)
                while (birth, d.sex, d.nat) in reg.reserved:
                    birth -= 1
            if d.linkage == "splink":
                birth = self._swappable_birth(birth, d.sex, d.nat)
            reg.combos.add((birth, d.sex, d.nat))
            d.birth = birth
            d.person = NationalPerson(self.new_v_nummer(), as_date(birth), d.sex, d.nat, lvv=True, replica=self.k)
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
                b = as_date(d.birth)
                d.m_birth = date(b.year, b.day, b.month).toordinal()
            elif d.linkage == "demografie_afwijkend":
                what = rng.choice(("geboortedatum", "geslacht", "nationaliteit"))
                if what == "nationaliteit" and "EU_BURGER" in d.scope:
                    what = "geslacht"  # the EU nationality is what puts this stay out of scope
                if what == "geboortedatum":
                    b = as_date(d.birth)
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
            b = as_date(birth)
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
                    birth = day_number(as_date(birth).year, 1, 1)
                if avoid is not None and (nat == avoid.nat or birth == avoid.birth):
                    continue  # typo_ander: at most one of the three may agree
                while (birth, sex, nat) in reg.reserved:
                    birth -= 1
                break
            demographics = (birth, sex, nat)
        reg.combos.add(demographics)
        birth, sex, nat = demographics
        p = NationalPerson(v_nummer or self.new_v_nummer(), as_date(birth), sex, nat, lvv=False, replica=self.k)
        self.persons.append(p)
        return p
