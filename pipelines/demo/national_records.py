"""Step 3 of the demo generator: the IND procedures and measures and DT&V departure cases that
put every stay in its outflow category by the rules of MONITOR.md, and the records of persons
known only nationally."""

from __future__ import annotations

from . import calibration as cal
from .construction import (
    DECISION_BEFORE_LVV,
    END_DAY,
    NATIONAL_DECISION,
    NATIONAL_FIRST,
    NATIONAL_LAST,
    NATIONAL_SECOND_PROCEDURE,
    NATIONAL_VERTREKWIJZE,
    NATIONAL_VERTREKZAKEN,
    PEILDATUM_DAY,
    PRIOR_VERTREKZAKEN,
    _Draft,
    day_number,
)
from .model import NationalPerson


class NationalRecords:
    """IND and DT&V records of LVV persons and of persons known only nationally.

    Mixed into the replica builder of population.py; uses its random helpers (`r`, `choice_w`,
    `rng`) and its state."""

    # -- national records of LVV persons --------------------------------------------------------
    def _history(self, p: NationalPerson, instroom: int, birth: int, asylum: bool = True) -> None:
        """What the chain knew before the stay: decided procedures, departure cases without a
        departure (a few left with unknown destination before), nothing pending, no measure."""
        rng = self.rng
        first = birth + 16 * 366
        lo_decision = None
        if asylum and rng.random() < 0.88:
            a1 = self.r(max(first, instroom - 5200), instroom - 420)
            b1 = min(a1 + self.r(60, 720), instroom - 31 - self.r(0, 60))
            beslissing = self.choice_w(DECISION_BEFORE_LVV)
            self.proc(p, "ASIEL_EERSTE", a1, beslissing, b1)
            lo_decision = b1
            if rng.random() < 0.4 and b1 + 90 < instroom - 40:
                a2 = self.r(b1 + 30, instroom - 54)
                self.proc(p, "ASIEL_HERHAALD", a2, "AFWIJZING", self.r(a2 + 14, instroom - 1))
        else:
            a = self.r(max(first, instroom - 4200), instroom - 220)
            b = self.r(a + 30, instroom - 1)
            self.proc(p, "REGULIER", a, "AFWIJZING", b)
            lo_decision = b
        if rng.random() < 0.1:
            a = self.r(max(first, instroom - 2500), instroom - 90)
            self.proc(p, "BUITEN_SCHULD", a, "AFWIJZING", self.r(a + 20, instroom - 1))
        n = self.choice_w(PRIOR_VERTREKZAKEN)
        starts = sorted(self.r(max(lo_decision - 30, instroom - 3000), instroom - 1) for _ in range(n))
        for j, start in enumerate(starts):
            if j == n - 1 and rng.random() < 0.12 and start + 1 <= instroom - 1:
                self.zaak(p, start, self.r(start + 1, instroom - 1), "ZELFSTANDIG_NIET_AANTOONBAAR")
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
        return self.r(max(d.I + 1, d.U + lo_off), min(d.U + hi_off, PEILDATUM_DAY))

    def _outflow(self, d: _Draft) -> None:
        """National records that give an ended stay its calibrated category (MONITOR.md)."""
        rng, p, instroom, uitstroom, v = self.rng, d.person, d.I, d.U, d.variant
        cat = d.category
        if cat == "bestendig_verblijf":
            if v == "bv_u30":
                b = uitstroom + 30
            elif v == "bv_na_uitstroom":
                b = uitstroom + self.r(5, 25)
            else:
                b = self.r(max(instroom + 2, uitstroom - 60), min(uitstroom + 20, PEILDATUM_DAY))
            soort = rng.choice(("REGULIER", "ASIEL_HERHAALD", "BUITEN_SCHULD"))
            self.proc(p, soort, self.r(max(instroom + 1, b - 400), b - 1), "INWILLIGING", b)
        elif cat in ("terugkeer", "doormigratie"):
            bestemming = "HERKOMSTLAND" if cat == "terugkeer" else "DERDE_LAND"
            wijze = "GEDWONGEN" if rng.random() < (0.25 if cat == "terugkeer" else 0.1) else "ZELFSTANDIG_AANTOONBAAR"
            if v == "tk_u30":
                vd = uitstroom + 30
            elif v in ("tk_correctie_mob", "tk_laat_geregistreerd"):
                vd = uitstroom + self.r(0, 10)
            elif v == "tk_twee_vertrekken":
                self.zaak(p, self.r(instroom, uitstroom), uitstroom + 1, "ZELFSTANDIG_NIET_AANTOONBAAR")
                vd = uitstroom + self.r(8, 25)
            else:
                vd = self._departure_window(d, -3, 14)
            start = self.r(instroom - 400, instroom - 1) if rng.random() < 0.3 else self.r(max(instroom, vd - 200), vd - 1)
            z = self.zaak(p, start, vd, wijze, bestemming, d.land)
            if v == "tk_laat_geregistreerd":
                self._special["dtv_laat"] = z
        elif cat == "asielaanvraag_azc":
            if v == "azc_laat":
                self.proc(p, "ASIEL_HERHAALD", uitstroom + 40)
            elif v != "azc_geen":
                a = self.r(max(instroom + 1, uitstroom - 10), min(uitstroom + 3, PEILDATUM_DAY))
                b = a + self.r(60, 400)
                if rng.random() < 0.5 or b > END_DAY:
                    self.proc(p, "ASIEL_HERHAALD", a)
                else:
                    self.proc(p, "ASIEL_HERHAALD", a, "AFWIJZING" if rng.random() < 0.7 else "INWILLIGING", b)
        elif cat == "uitstel_art64":
            if v == "art64_lopend":
                self.proc(p, "MEDISCH_ART64", self.r(max(instroom + 1, uitstroom - 60), uitstroom))
            elif v != "art64_geen":
                b = self.r(max(instroom + 2, uitstroom - 20), min(uitstroom + 10, PEILDATUM_DAY))
                beslissing = "AFWIJZING" if v == "art64_afgewezen" else "INWILLIGING"
                self.proc(p, "MEDISCH_ART64", self.r(max(instroom + 1, b - 150), b - 1), beslissing, b)
        elif cat == "mob":
            if v in ("mob_zna", "mob_tk_zna"):
                vd = self._departure_window(d, -3, 20)
                self.zaak(p, self.r(max(instroom, vd - 200), vd - 1), vd, "ZELFSTANDIG_NIET_AANTOONBAAR")
            elif rng.random() < 0.3:
                self.zaak(p, self.r(instroom, uitstroom - 1))
        elif cat == "onbevestigd":
            if v == "vv_laat":
                self.proc(p, "REGULIER", self.r(max(instroom + 1, uitstroom - 200), uitstroom - 1), "INWILLIGING", uitstroom + 45)
            elif v in ("vv_art64", "vv_afgewezen"):
                b = self.r(max(instroom + 2, uitstroom - 20), min(uitstroom + 10, PEILDATUM_DAY))
                soort = "MEDISCH_ART64" if v == "vv_art64" else "REGULIER"
                beslissing = "INWILLIGING" if v == "vv_art64" else "AFWIJZING"
                self.proc(p, soort, self.r(max(instroom + 1, b - 150), b - 1), beslissing, b)
            elif v == "tk_geen" and rng.random() < 0.5:
                self.zaak(p, self.r(instroom, uitstroom - 1))
            elif v in ("tk_u31", "tk_na_peildatum"):
                vd = uitstroom + 31 if v == "tk_u31" else self.r(PEILDATUM_DAY + 1, uitstroom + 30)
                self.zaak(p, self.r(max(instroom, uitstroom - 150), uitstroom - 1), vd, "ZELFSTANDIG_AANTOONBAAR",
                          "HERKOMSTLAND", d.land)
            elif v == "tk_voor_instroom":
                vd = self.r(instroom - 300, instroom - 30)
                self.zaak(p, vd - self.r(30, 300), vd, "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", d.land)

    def _present_records(self, d: _Draft) -> None:
        """Present at the peildatum: pending applications, open departure cases, and for those
        who leave after the peildatum what confirms it (only in the last delivery)."""
        rng, p, instroom = self.rng, d.person, d.I
        end = d.U - 1 if d.U is not None else END_DAY
        if rng.random() < 0.15:
            a = self.r(instroom + 1, min(PEILDATUM_DAY, end))
            b = a + self.r(60, 300)
            if rng.random() < 0.4 and b <= END_DAY:
                self.proc(p, rng.choice(("REGULIER", "BUITEN_SCHULD")), a, "AFWIJZING", b)
            else:
                self.proc(p, rng.choice(("REGULIER", "BUITEN_SCHULD")), a)
        if d.scenario == "vertrek" and rng.random() < 0.3:
            self.zaak(p, self.r(instroom, min(PEILDATUM_DAY, end)))
        if d.U is not None:  # leaves between the peildatum and the last delivery
            uitstroom = d.U
            if d.R == "TERUGKEER":
                self.zaak(p, self.r(max(instroom, uitstroom - 120), uitstroom - 1),
                          self.r(uitstroom, min(uitstroom + 10, END_DAY)), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND",
                          d.nat if d.nat != "XXX" else None)
            elif d.R == "ASIELAANVRAAG":
                self.proc(p, "ASIEL_HERHAALD", self.r(max(instroom + 1, uitstroom - 5), min(uitstroom + 2, END_DAY)))
            elif d.R == "VERBLIJFSVERGUNNING":
                b = self.r(max(instroom + 2, uitstroom - 20), min(uitstroom + 10, END_DAY))
                self.proc(p, "REGULIER", self.r(max(instroom + 1, b - 200), b - 1), "INWILLIGING", b)

    def _scope_records(self, d: _Draft, reason: str) -> None:
        """Out-of-scope persons: the measure or pending procedure in force on instroomdatum."""
        rng, p, instroom = self.rng, d.person, d.I
        if reason in ("INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING"):
            self.maatregel(p, reason, instroom - self.r(30, 2500))
        elif reason == "DUBLINCLAIM":
            if d.role == "DUBLINCLAIM_OP_INSTROOM":
                self.maatregel(p, reason, instroom)
            else:
                einde = instroom + self.r(60, 240)
                self.maatregel(p, reason, instroom - self.r(5, 150), einde if einde <= END_DAY and rng.random() < 0.5 else None)
        elif reason == "RIJKSOPVANG":
            soort = "ASIEL_HERHAALD" if any(x.soort == "ASIEL_EERSTE" for x in p.procedures) else "ASIEL_EERSTE"
            b = instroom + self.r(20, 300)
            if rng.random() < 0.5 and b <= END_DAY:
                self.proc(p, soort, instroom - self.r(3, 90), "AFWIJZING", b)
            else:
                self.proc(p, soort, instroom - self.r(3, 90))

    def _edge_records(self, d: _Draft) -> None:
        """In scope, but only just: the target-group rules at their boundaries."""
        p, instroom = d.person, d.I
        if d.edge == "maatregel_verlopen":
            self.maatregel(p, "DUBLINCLAIM", instroom - self.r(300, 700), instroom - self.r(10, 200))
        elif d.edge == "maatregel_eindigt_op_instroom":
            self.maatregel(p, "INREISVERBOD_ZWAAR", instroom - self.r(1500, 4000), instroom)
        elif d.edge == "maatregel_na_instroom":
            self.maatregel(p, "ONGEWENSTVERKLARING", instroom + self.r(20, 60))
        elif d.edge == "asiel_beslist_op_instroom":
            self.proc(p, "ASIEL_HERHAALD", instroom - self.r(30, 120), "AFWIJZING", instroom)

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
        self._special["maatregel_laat"] = self.maatregel(p, "DUBLINCLAIM", day_number(2019, 5, 2) + self.r(0, 20),
                                                         day_number(2019, 10, 15) + self.r(0, 30))
        self._special["beslissing_fout"] = self.proc(p, "REGULIER", day_number(2019, 11, 4) + self.r(0, 20), "INGETROKKEN",
                                                     day_number(2020, 5, 12) + self.r(0, 20))

    def _national_only_records(self, p: NationalPerson) -> None:
        rng = self.rng
        anchor = self.r(NATIONAL_FIRST, NATIONAL_LAST)
        soort = "ASIEL_EERSTE" if rng.random() < 0.85 else "REGULIER"
        last = self._national_procedure(p, soort, anchor)
        if rng.random() < 0.25 and last + 60 <= END_DAY:
            soort = self.choice_w(NATIONAL_SECOND_PROCEDURE)
            self._national_procedure(p, soort, self.r(last + 60, min(last + 1500, END_DAY)))
        for _ in range(self.choice_w(NATIONAL_VERTREKZAKEN)):
            start = self.r(anchor + 100, min(anchor + 3500, END_DAY))
            vd = start + self.r(20, 600)
            if rng.random() < 0.3 and vd <= END_DAY:
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
            ingang = self.r(anchor + 100, min(anchor + 4000, END_DAY))
            einde = ingang + self.r(200, 2500)
            self.maatregel(p, soort, ingang, einde if rng.random() < 0.4 and einde <= END_DAY else None)

    def _national_procedure(self, p: NationalPerson, soort: str, a: int) -> int:
        b = a + self.r(40, 700)
        if b > END_DAY:
            self.proc(p, soort, a)
            return a
        beslissing = self.choice_w(NATIONAL_DECISION)
        self.proc(p, soort, a, beslissing, b)
        return b
