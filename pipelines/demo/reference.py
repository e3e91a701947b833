"""The monitor of MONITOR.md computed straight from the in-memory model.

This is the generator's own yardstick, independent of the pipeline: it links the municipal
stays to national persons by the contract's three-step rule (FEEDS.md), decides the target
group and the reconciled outflow category of every stay, and counts the monitor table. The
tests check that it gives the letter's figures; the pipeline, reading the files, must give the
same. Only the newest state of the model is used: for peildata on or after 2020-11-01 that is
what the deliveries say as well (no correction reaches those deliveries).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.reconciliation_window import window_days

from . import calibration as cal
from .model import NationalPerson, Population, Stay, Vertrekzaak

BESTENDIG_SOORTEN = frozenset({"ASIEL_EERSTE", "ASIEL_HERHAALD", "REGULIER", "BUITEN_SCHULD"})
DEMONSTRABLE = frozenset({"ZELFSTANDIG_AANTOONBAAR", "GEDWONGEN"})


@dataclass(slots=True)
class StayOutcome:
    stay: Stay
    linked: str | None  # v_nummer of the linked national person, None: on the review list
    link_step: int | None  # 1, 2 or 3 (Splink); None when not linked
    person_key: str  # the linked v_nummer, or bron:client_id for an unlinked person
    scope_reasons: tuple[str, ...]
    ended: bool  # ended on or before the peildatum
    category: str | None = None
    deviation: str | None = None
    departure: Vertrekzaak | None = None  # the departure that decided the category
    scenario: str | None = None  # for present in-scope stays: vertrek | verblijf | geen
    mrt_advies: bool = False


def link_stays(pop: Population) -> dict[str, tuple[str | None, int | None]]:
    """verblijf key (bron/verblijf_id) -> (v_nummer, step) by the contract's three steps."""
    persons = pop.person_index()
    by_demographics: dict[tuple, list[str]] = defaultdict(list)
    for p in pop.persons:
        by_demographics[p.demographics].append(p.v_nummer)
    links: dict[str, tuple[str | None, int | None]] = {}
    for s in pop.stays:
        key = f"{s.bron}/{s.verblijf_id}"
        p = persons.get(s.v_nummer) if s.v_nummer else None
        if p is not None:
            agree = (s.geboortedatum == p.geboortedatum) + (s.geslacht == p.geslacht) + (s.nationaliteit == p.nationaliteit)
            if agree >= 2:
                links[key] = (p.v_nummer, 1)
                continue
        candidates = by_demographics.get((s.geboortedatum, s.geslacht, s.nationaliteit), [])
        if len(candidates) == 1:
            links[key] = (candidates[0], 2)
            continue
        found = None if candidates else _splink_case(s, by_demographics)
        links[key] = (found, 3) if found else (None, None)
    return links


def _splink_case(s: Stay, by_demographics: dict[tuple, list[str]]) -> str | None:
    """Step 3 as the demo exercises it: no exact candidate, and exactly one national person whose
    v_nummer is the delivered one with two neighbouring digits swapped, with the same sex and
    nationality and the birth date with day and month swapped. Splink links exactly these (the
    pipeline's probabilistic model gives them p > 0.999; tests/test_demo_run.py checks it)."""
    if not s.v_nummer or s.geboortedatum.day > 12:
        return None
    swapped = date(s.geboortedatum.year, s.geboortedatum.day, s.geboortedatum.month)
    found = [v for v in by_demographics.get((swapped, s.geslacht, s.nationaliteit), [])
             if _neighbours_swapped(v, s.v_nummer)]
    return found[0] if len(found) == 1 else None


def _neighbours_swapped(a: str, b: str) -> bool:
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return (len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def scope_reasons(s: Stay, p: NationalPerson | None) -> tuple[str, ...]:
    """The reasons a stay is out of scope on its instroomdatum (MONITOR.md, target group)."""
    I = s.instroomdatum  # noqa: E741
    reasons = []
    if s.samenstelling == "GEZIN":
        reasons.append("GEZIN")
    if s.nationaliteit in cal.EU_2020:
        reasons.append("EU_BURGER")
    if p is not None:
        for m in ("INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM"):
            if any(x.maatregel == m and x.ingangsdatum <= I and (x.einddatum is None or x.einddatum > I)
                   for x in p.maatregelen):
                reasons.append(m)
        if any(x.soort in ("ASIEL_EERSTE", "ASIEL_HERHAALD") and x.aanvraagdatum <= I
               and (x.beslisdatum is None or x.beslisdatum > I) for x in p.procedures):
            reasons.append("RIJKSOPVANG")
    if not s.regiobinding:
        reasons.append("GEEN_REGIOBINDING")
    return tuple(reasons)


def outflow_category(s: Stay, p: NationalPerson | None, peildatum: date) -> tuple[str, str | None, Vertrekzaak | None]:
    """(category, deviation, deciding departure) of a stay that ended on or before the peildatum."""
    reason, lo, hi = s.uitstroomreden, s.instroomdatum, s.uitstroomdatum + timedelta(days=window_days())
    hi = min(hi, peildatum)  # national records count only when dated on or before the peildatum

    def in_w(d: date | None) -> bool:
        return d is not None and lo <= d <= hi

    procedures = p.procedures if p is not None else []
    zaken = p.vertrekzaken if p is not None else []
    if reason == "VERBLIJFSVERGUNNING":
        ok = any(x.soort in BESTENDIG_SOORTEN and x.beslissing == "INWILLIGING" and in_w(x.beslisdatum) for x in procedures)
        return ("bestendig_verblijf" if ok else "onbevestigd"), None, None
    if reason in ("TERUGKEER", "DOORMIGRATIE", "MOB"):
        departures = sorted((z for z in zaken if in_w(z.vertrekdatum)), key=lambda z: z.vertrekdatum)
        if departures:
            z = departures[-1]
            if z.vertrekwijze in DEMONSTRABLE:
                return ("terugkeer" if z.bestemming == "HERKOMSTLAND" else "doormigratie"), None, z
            return "mob", None, z
        return ("mob" if reason == "MOB" else "onbevestigd"), None, None
    if reason == "ASIELAANVRAAG":
        ok = any(x.soort == "ASIEL_HERHAALD" and in_w(x.aanvraagdatum) for x in procedures)
        return "asielaanvraag_azc", None if ok else "geen ASIEL_HERHAALD-aanvraag in het venster", None
    if reason == "UITSTEL_VERTREK_ART64":
        ok = any(x.soort == "MEDISCH_ART64" and x.beslissing == "INWILLIGING" and in_w(x.beslisdatum) for x in procedures)
        return "uitstel_art64", None if ok else "geen MEDISCH_ART64-inwilliging in het venster", None
    return {"BBB": "terug_bbb", "GEDWONGEN_BEEINDIGD": "gedwongen_beeindigd", "OVERIG": "overig"}[reason], None, None


def evaluate(pop: Population, peildatum: date = cal.PEILDATUM) -> list[StayOutcome]:
    """Every stay started on or before the peildatum, with its link, scope and outcome."""
    persons = pop.person_index()
    links = link_stays(pop)
    outcomes = []
    for s in pop.stays:
        if s.instroomdatum > peildatum:
            continue
        linked, step = links[f"{s.bron}/{s.verblijf_id}"]
        p = persons[linked] if linked else None
        ended = s.uitstroomdatum is not None and s.uitstroomdatum <= peildatum
        o = StayOutcome(s, linked, step, linked or f"{s.bron}:{s.client_id}", scope_reasons(s, p), ended)
        if ended:
            o.category, o.deviation, o.departure = outflow_category(s, p, peildatum)
        else:
            scenarios = [e for e in s.events if e.datum <= peildatum and e.gebeurtenis.startswith("SCENARIO_")]
            o.scenario = max(scenarios, key=lambda e: e.datum).gebeurtenis[9:].lower() if scenarios else "geen"
        o.mrt_advies = any(e.gebeurtenis == "MRT_ADVIES" and e.datum <= peildatum for e in s.events)
        outcomes.append(o)
    return outcomes


def monitor_table(pop: Population, peildatum: date = cal.PEILDATUM) -> dict[str, dict[str, int]]:
    """figure -> {pilot: value, ..., 'totaal': value}, as MONITOR.md defines the table."""
    person_sets: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    stay_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for o in evaluate(pop, peildatum):
        pilot = o.stay.bron
        if o.scope_reasons:
            person_sets["buiten_doelgroep"][pilot].add(o.person_key)
            continue
        person_sets["ooit_opgevangen"][pilot].add(o.person_key)
        if o.ended:
            stay_counts[o.category][pilot] += 1
        else:
            person_sets["aanwezig"][pilot].add(o.person_key)
            person_sets["scenario_" + o.scenario][pilot].add(o.person_key)
        if o.mrt_advies:
            person_sets["mrt_besproken"][pilot].add(o.person_key)
    table: dict[str, dict[str, int]] = {}
    for figure in cal.FIGURES:
        if figure == "capaciteit":
            row = dict(cal.CAPACITEIT)
            row["totaal"] = sum(row.values())
        elif figure in cal.OUTFLOW_CATEGORIES:
            row = {pilot: stay_counts[figure][pilot] for pilot in cal.PILOTS}
            row["totaal"] = sum(row.values())
        else:
            sets = person_sets[figure]
            row = {pilot: len(sets[pilot]) for pilot in cal.PILOTS}
            row["totaal"] = len(set().union(*(sets[pilot] for pilot in cal.PILOTS)))
        table[figure] = row
    return table


def daily_presence(pop: Population, pilot: str, replica: int = 0) -> dict[date, int]:
    """Stays of one pilot (one replica) present per day, in scope or not, up to the last delivery."""
    start, last = cal.PROGRAMME_START, cal.LAST_DAY
    counts = {}
    stays = [s for s in pop.stays if s.bron == pilot and s.replica == replica]
    day = start
    while day <= last:
        counts[day] = sum(1 for s in stays if s.instroomdatum <= day
                          and (s.uitstroomdatum is None or s.uitstroomdatum > day))
        day += timedelta(days=1)
    return counts
