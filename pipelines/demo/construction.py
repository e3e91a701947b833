"""The building blocks every step of the demo generator shares (see population.py).

Day numbers (dates as ordinals, so that windows are integer ranges), the draft of a stay that
the steps fill in, the registry that keeps replicas apart, the weighted draws and the reasons
that map an outflow category to the municipality's uitstroomreden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from . import calibration as cal
from .model import NationalPerson

START_DAY = cal.PROGRAMME_START.toordinal()
PEILDATUM_DAY = cal.PEILDATUM.toordinal()
END_DAY = cal.LAST_DAY.toordinal()
EARLY = cal.PEILDATA[0].toordinal()
NATIONAL_REFERENCE = date(2020, 1, 1).toordinal()  # ages of national-only persons are drawn at this date
NATIONAL_FIRST, NATIONAL_LAST = date(2006, 1, 1).toordinal(), date(2019, 6, 30).toordinal()  # their first record

as_date = date.fromordinal


def day_number(y: int, m: int, d: int) -> int:
    return date(y, m, d).toordinal()


# Out-of-scope reasons that come from national records (the person is linked exactly).
NATIONAL_REASONS = frozenset({"INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM", "RIJKSOPVANG"})
# Categories that need no national record: stays whose linkage may fail without changing a figure.
CATEGORIES_WITHOUT_NATIONAL = frozenset({"terug_bbb", "gedwongen_beeindigd", "overig", "asielaanvraag_azc"})

# Variants whose uitstroomdatum must fall in a window: a correction of an early delivery, or a
# national record at U + 30/31/40/45 days that must itself be dated on or before the peildatum.
U_WINDOWS: dict[str, tuple[int, int]] = {
    "tk_correctie_mob": (day_number(2019, 10, 1), day_number(2019, 12, 15)),
    "laat_uitgeschreven": (day_number(2020, 2, 1), day_number(2020, 3, 25)),
    "tk_laat_geregistreerd": (day_number(2020, 1, 15), day_number(2020, 3, 10)),
    "tk_na_peildatum": (PEILDATUM_DAY - 25, PEILDATUM_DAY - 8),
    "bv_u30": (START_DAY + 60, PEILDATUM_DAY - 40),
    "tk_u30": (START_DAY + 60, PEILDATUM_DAY - 40),
    "tk_twee_vertrekken": (START_DAY + 60, PEILDATUM_DAY - 40),
    "tk_u31": (START_DAY + 60, PEILDATUM_DAY - 45),
    "vv_laat": (START_DAY + 60, PEILDATUM_DAY - 60),
    "azc_laat": (START_DAY + 60, PEILDATUM_DAY - 60),
    "bv_na_uitstroom": (START_DAY + 30, PEILDATUM_DAY - 30),
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
