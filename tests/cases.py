"""Constructed reconciliation cases: a tiny synthetic population with one person per path.

Each municipal client id names the case it exercises, so a failing assertion says which rule
broke. Dates are chosen so every case is unambiguous at peildatum 2020-11-01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tests.feeds import VERBLIJVEN_HEADER, csv_bytes, deliver

PROC_HEADER = ["v_nummer", "geboortedatum", "geslacht", "nationaliteit", "procedure_id", "soort",
               "aanvraagdatum", "beslissing", "beslisdatum"]
MAATREGEL_HEADER = ["v_nummer", "maatregel", "ingangsdatum", "einddatum"]
DTV_HEADER = ["v_nummer", "geboortedatum", "geslacht", "nationaliteit", "zaak_id", "startdatum",
              "vertrekdatum", "vertrekwijze", "bestemming", "land"]
TRAJECT_HEADER = ["client_id", "verblijf_id", "datum", "gebeurtenis"]

PEILDATUM = date(2020, 11, 1)
IN = date(2019, 6, 1)  # default instroom
OUT = date(2020, 3, 2)  # default uitstroom


@dataclass
class Population:
    national: dict[str, tuple] = field(default_factory=dict)  # v_nummer -> (geboortedatum, geslacht, nat)
    procedures: list[list] = field(default_factory=list)
    measures: list[list] = field(default_factory=list)
    departures: list[list] = field(default_factory=list)
    stays: dict[str, list[list]] = field(default_factory=dict)  # bron -> rows
    events: dict[str, list[list]] = field(default_factory=dict)

    def person(self, v: str, born: date, sex: str = "M", nat: str = "ERI") -> str:
        self.national[v] = (born, sex, nat)
        # Every national person has at least one old, decided asylum procedure.
        self.procedures.append([v, born, sex, nat, f"P-{v}-0", "ASIEL_EERSTE", date(2012, 1, 1), "AFWIJZING", date(2013, 1, 1)])
        return v

    def procedure(self, v: str, soort: str, aanvraag: date, beslissing: str | None = None, beslis: date | None = None) -> None:
        born, sex, nat = self.national[v]
        self.procedures.append([v, born, sex, nat, f"P-{v}-{len(self.procedures)}", soort, aanvraag, beslissing, beslis])

    def departure(self, v: str, vertrek: date | None, wijze: str | None, bestemming: str | None,
                  land: str | None = None, start: date = date(2019, 1, 1)) -> None:
        born, sex, nat = self.national[v]
        self.departures.append([v, born, sex, nat, f"Z-{v}-{len(self.departures)}", start, vertrek, wijze, bestemming, land])

    def stay(self, bron: str, client: str, v: str | None, born: date, sex: str = "M", nat: str = "ERI", *,
             instroom: date = IN, uitstroom: date | None = None, reden: str | None = None,
             samenstelling: str = "ALLEENSTAAND", regiobinding: bool = True, verblijf: str | None = None) -> str:
        verblijf_id = verblijf or f"S-{client}"
        self.stays.setdefault(bron, []).append(
            [client, verblijf_id, v or "", born, sex, nat, samenstelling, instroom, "NIEUW", regiobinding, uitstroom, reden])
        return verblijf_id

    def event(self, bron: str, client: str, verblijf_id: str, datum: date, gebeurtenis: str) -> None:
        self.events.setdefault(bron, []).append([client, verblijf_id, datum, gebeurtenis])

    def write(self, landing: Path, stamp: str = "20201101") -> None:
        for bron, rows in self.stays.items():
            deliver(landing, f"{bron}/{bron}_verblijven_{stamp}.csv", csv_bytes(VERBLIJVEN_HEADER, rows))
        for bron, rows in self.events.items():
            deliver(landing, f"{bron}/{bron}_trajecten_{stamp}.csv", csv_bytes(TRAJECT_HEADER, rows))
        deliver(landing, f"ind/ind_procedures_{stamp}.csv", csv_bytes(PROC_HEADER, self.procedures))
        if self.measures:
            deliver(landing, f"ind/ind_maatregelen_{stamp}.csv", csv_bytes(MAATREGEL_HEADER, self.measures))
        if self.departures:
            deliver(landing, f"dtv/dtv_vertrekzaken_{stamp}.csv", csv_bytes(DTV_HEADER, self.departures))


def build_cases() -> Population:
    """One municipal client per path of the linkage and reconciliation rules."""
    pop = Population()
    b = date(1980, 1, 1)

    # --- linkage -------------------------------------------------------------------------
    pop.person("1000000001", date(1981, 2, 3))
    pop.stay("amsterdam", "EXACT", "1000000001", date(1981, 2, 3))
    pop.person("1000000002", date(1982, 3, 4), "V", "IRN")
    pop.stay("amsterdam", "MISSING_V", None, date(1982, 3, 4), "V", "IRN")
    pop.person("1000000003", date(1983, 4, 5), "M", "NGA")
    pop.stay("amsterdam", "TYPO_V", "1000000030", date(1983, 4, 5), "M", "NGA")
    pop.person("1000000004", date(1984, 5, 6), "M", "GIN")
    pop.stay("amsterdam", "ONE_DEMOGRAPHIC_OFF", "1000000004", date(1984, 5, 7), "M", "GIN")
    # A typo that equals another person's v_nummer (1000000001) while the demographics point elsewhere.
    pop.person("1000000005", date(1985, 6, 7), "V", "ETH")
    pop.stay("rotterdam", "TYPO_IS_OTHER_PERSON", "1000000001", date(1985, 6, 7), "V", "ETH")
    # Ambiguous demographics: two national persons born 1 January 1980, M, AFG.
    pop.person("1000000006", b, "M", "AFG")
    pop.person("1000000007", b, "M", "AFG")
    pop.stay("rotterdam", "AMBIGUOUS", None, b, "M", "AFG")
    pop.stay("rotterdam", "NO_CANDIDATE", None, date(1999, 9, 9), "X", "XXX")
    # Both a v_nummer typo and a birth date with day and month swapped: only Splink finds him.
    pop.person("1000000012", date(1986, 3, 11), "M", "SOM")
    pop.stay("rotterdam", "SPLINK", "1000000021", date(1986, 11, 3), "M", "SOM")
    # The same v_nummer in two pilots is one person.
    pop.person("1000000008", date(1978, 8, 8), "M", "SYR")
    pop.stay("utrecht", "TWO_PILOTS_U", "1000000008", date(1978, 8, 8), "M", "SYR",
             instroom=date(2019, 4, 15), uitstroom=date(2019, 12, 1), reden="OVERIG")
    pop.stay("groningen", "TWO_PILOTS_G", "1000000008", date(1978, 8, 8), "M", "SYR", instroom=date(2020, 1, 10))
    # Manual decisions (tests/test_reconciliation.py writes the decisions file):
    pop.person("1000000009", date(1979, 9, 9), "V", "ERI")
    pop.stay("eindhoven", "MANUAL_REJECT", "1000000009", date(1979, 9, 9), "V", "ERI")
    pop.person("1000000010", date(1977, 1, 1), "M", "IRQ")
    pop.person("1000000011", date(1977, 1, 1), "M", "IRQ")
    pop.stay("eindhoven", "MANUAL_CONFIRM", None, date(1977, 1, 1), "M", "IRQ")

    # --- outflow reconciliation (all linked exactly) ---------------------------------------
    def linked(client: str, v: str, bron: str = "groningen", **kwargs) -> str:
        pop.person(v, date(1970, 1, 1) + timedelta(days=int(v[-3:]) * 37), "M", "ARM")
        born = pop.national[v][0]
        return pop.stay(bron, client, v, born, "M", "ARM", **kwargs)

    linked("PERMIT_OK", "1000000101", uitstroom=OUT, reden="VERBLIJFSVERGUNNING")
    pop.procedure("1000000101", "REGULIER", date(2019, 8, 1), "INWILLIGING", OUT - timedelta(days=5))
    linked("PERMIT_LATE", "1000000102", uitstroom=OUT, reden="VERBLIJFSVERGUNNING")
    pop.procedure("1000000102", "REGULIER", date(2019, 8, 1), "INWILLIGING", OUT + timedelta(days=45))
    linked("RETURN_EDGE_30", "1000000103", uitstroom=OUT, reden="TERUGKEER")
    pop.departure("1000000103", OUT + timedelta(days=30), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "ARM")
    linked("RETURN_EDGE_31", "1000000104", uitstroom=OUT, reden="TERUGKEER")
    pop.departure("1000000104", OUT + timedelta(days=31), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "ARM")
    linked("DEPARTED_BEFORE_INSTROOM", "1000000105", uitstroom=OUT, reden="TERUGKEER")
    pop.departure("1000000105", IN - timedelta(days=1), "GEDWONGEN", "HERKOMSTLAND", "ARM")
    linked("RETURN_BUT_THIRD_COUNTRY", "1000000106", uitstroom=OUT, reden="TERUGKEER")
    pop.departure("1000000106", OUT, "GEDWONGEN", "DERDE_LAND", "BEL")
    linked("RETURN_BUT_NOT_DEMONSTRABLE", "1000000107", uitstroom=OUT, reden="TERUGKEER")
    pop.departure("1000000107", OUT, "ZELFSTANDIG_NIET_AANTOONBAAR", None)
    linked("MOB_NO_DEPARTURE", "1000000108", uitstroom=OUT, reden="MOB")
    linked("MOB_BUT_RETURNED", "1000000109", uitstroom=OUT, reden="MOB")
    pop.departure("1000000109", OUT + timedelta(days=3), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "ARM")
    linked("TWO_DEPARTURES_LATEST_WINS", "1000000110", uitstroom=OUT, reden="DOORMIGRATIE")
    pop.departure("1000000110", OUT - timedelta(days=10), "ZELFSTANDIG_NIET_AANTOONBAAR", None)
    pop.departure("1000000110", OUT + timedelta(days=2), "ZELFSTANDIG_AANTOONBAAR", "DERDE_LAND", "DEU")
    linked("ASYLUM_OK", "1000000111", uitstroom=OUT, reden="ASIELAANVRAAG")
    pop.procedure("1000000111", "ASIEL_HERHAALD", OUT - timedelta(days=3))
    linked("ASYLUM_UNCONFIRMED", "1000000112", uitstroom=OUT, reden="ASIELAANVRAAG")
    linked("ART64_OK", "1000000113", uitstroom=OUT, reden="UITSTEL_VERTREK_ART64")
    pop.procedure("1000000113", "MEDISCH_ART64", date(2019, 12, 1), "INWILLIGING", OUT)
    linked("ART64_UNCONFIRMED", "1000000114", uitstroom=OUT, reden="UITSTEL_VERTREK_ART64")
    linked("BACK_TO_BBB", "1000000115", uitstroom=OUT, reden="BBB")
    linked("FORCED", "1000000116", uitstroom=OUT, reden="GEDWONGEN_BEEINDIGD")
    linked("PRESENT_BUT_DEPARTED", "1000000117")
    pop.departure("1000000117", date(2020, 6, 1), "GEDWONGEN", "HERKOMSTLAND", "ARM")
    pop.stay("groningen", "UNLINKED_PERMIT", None, date(2001, 2, 3), "V", "XXX", uitstroom=OUT, reden="VERBLIJFSVERGUNNING")

    # --- national persons who never entered an LVV -------------------------------------------
    # Sparse, random v_nummers and birth dates, as in the real registers: they give the
    # probabilistic linker a realistic background against which a typo stands out.
    import random

    rng = random.Random(7)
    for _ in range(3000):
        pop.person(str(rng.randrange(2_000_000_000, 9_999_999_999)),
                   date(1950, 1, 2) + timedelta(days=rng.randrange(0, 3650)), rng.choice("MV"), "CHN")

    # --- target group ----------------------------------------------------------------------
    linked("SCOPE_GEZIN", "1000000201", bron="utrecht", samenstelling="GEZIN")
    pop.stay("utrecht", "SCOPE_EU", None, date(1990, 1, 2), "M", "POL")
    linked("SCOPE_BAN", "1000000202", bron="utrecht")
    pop.measures.append(["1000000202", "INREISVERBOD_ZWAAR", date(2018, 1, 1), None])
    linked("SCOPE_BAN_ENDED", "1000000203", bron="utrecht")
    pop.measures.append(["1000000203", "ONGEWENSTVERKLARING", date(2015, 1, 1), date(2019, 1, 1)])
    linked("SCOPE_DUBLIN", "1000000204", bron="utrecht")
    pop.measures.append(["1000000204", "DUBLINCLAIM", IN, None])
    linked("SCOPE_PENDING_ASYLUM", "1000000205", bron="utrecht")
    pop.procedure("1000000205", "ASIEL_HERHAALD", date(2019, 5, 1))
    linked("SCOPE_DECIDED_ASYLUM", "1000000206", bron="utrecht")
    pop.procedure("1000000206", "ASIEL_HERHAALD", date(2019, 3, 1), "AFWIJZING", IN)
    linked("SCOPE_NO_TIES", "1000000207", bron="utrecht", regiobinding=False)
    linked("SCOPE_SAFE_COUNTRY_IN", "1000000208", bron="rotterdam")
    return pop
