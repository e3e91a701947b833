"""Step 5 of the demo generator: the pilots' identifiers and the replica as a `Population`, with
the corrections later deliveries make."""

from __future__ import annotations

from datetime import date

from . import calibration as cal
from .construction import OPMERKINGEN, as_date
from .model import Correction, Event, Population, Stay


class ReplicaOutput:
    """Identifiers per pilot and the finished replica.

    Mixed into the replica builder of population.py; uses its random helpers (`r`, `choice_w`,
    `rng`) and its state."""

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
                geboortedatum=as_date(d.m_birth), geslacht=d.m_sex, nationaliteit=d.m_nat, samenstelling=d.samenstelling,
                instroomdatum=as_date(d.I), herkomst=d.herkomst, regiobinding=d.regiobinding,
                uitstroomdatum=as_date(d.U) if d.U is not None else None, uitstroomreden=d.R if d.U is not None else None,
                events=[Event(as_date(t), e) for t, e in d.events], opmerking=opmerking,
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
                b = as_date(d.m_birth)
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
