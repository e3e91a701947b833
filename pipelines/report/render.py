"""Turn `ReportData` into the report: sections of text, tables and charts, rendered to HTML."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from pipelines.pilots import pilot_names
from pipelines.reconciliation_window import window_days
from pipelines.report import fmt
from pipelines.report.charts import Reeks, Tabel, liggende_staven, lijngrafiek, staafgrafiek
from pipelines.report.data import PROGRAMMASTART, ReportData, maanden
from pipelines.report.labels import (
    BESTENDIG,
    ERNST_VOLGORDE,
    MONITOR_GROEPEN,
    MONITOR_KOLOMMEN,
    MONITOR_LABEL,
    UITSTROOM_GROEPEN,
    afwijking_label,
    bestand_label,
    bron_label,
    monitor_definitie,
    reden_label,
)
from pipelines.report.template import CSS, TEMPLATE

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Tekst(str):
    """A table cell holding words, not a number: left-aligned and allowed to wrap."""


@dataclass
class Blok:
    soort: str  # tekst | melding | kop | tabel | grafiek | kerncijfers | definities | lijst
    inhoud: object
    id: str | None = None
    klasse: str | None = None


@dataclass
class Sectie:
    id: str
    titel: str
    blokken: list[Blok] = field(default_factory=list)
    klasse: str | None = None
    nummer: int = 0

    def tekst(self, inhoud: str, klasse: str | None = None) -> None:
        self.blokken.append(Blok("tekst", inhoud, klasse=klasse))

    def add(self, soort: str, inhoud: object, id: str | None = None) -> None:
        self.blokken.append(Blok(soort, inhoud, id=id))


def _g(value) -> str:
    return fmt.getal(value)


def _pct(deel: float | None, geheel: float | None, decimals: int = 0) -> str:
    if not geheel or deel is None:
        return "–"
    return fmt.procent(deel / geheel, decimals)


def _monitor_seq(data: ReportData) -> list[str]:
    """Row names of the monitor (pilots in contract order, then totaal)."""
    return [r["gemeente"] for r in data.monitor]


# ---------------------------------------------------------------------------------------------
# Sections


def _kerncijfers(data: ReportData) -> Sectie:
    s = Sectie("kerncijfers", "Kerncijfers")
    tot = data.monitor_rij("totaal")
    vorige = None
    if data.vergelijking:
        try:
            vorige = data.monitor_rij("totaal", data.vergelijking.nieuwste)
        except KeyError:
            vorige = None
    bezet = [b for b in data.bezetting if b["datum"] == data.peildatum]
    aanwezig_alle = sum(b["aanwezig"] for b in bezet) if bezet else None
    capaciteit = tot["capaciteit"]

    def delta(col: str) -> str | None:
        if not vorige or vorige.get(col) is None:
            return None
        return f"{fmt.verschil(tot[col] - vorige[col])} sinds {fmt.datum(data.vergelijking.vorige)}"

    s.tekst(
        f"Vanaf de start van de pilots op 1 april 2019 tot en met {fmt.datum(data.peildatum)} zijn "
        f"{_g(tot['ooit_opgevangen'])} personen uit de doelgroep opgevangen in de vijf pilot-LVV's. "
        f"Op de peildatum verbleven er {_g(tot['aanwezig'])}, op {_g(capaciteit)} afgesproken plaatsen. "
        f"Er zijn {_g(tot['bestendig_totaal'])} bestendige oplossingen bereikt: "
        f"{_g(tot['bestendig_verblijf'])} keer bestendig verblijf en "
        f"{_g(tot['terugkeer'] + tot['doormigratie'])} keer vertrek naar het land van herkomst of "
        f"doormigratie.",
        klasse="inleiding",
    )
    tegels = [
        {"waarde": _g(tot["ooit_opgevangen"]), "wat": "personen ooit opgevangen (doelgroep)", "delta": delta("ooit_opgevangen")},
        {"waarde": _g(tot["aanwezig"]), "wat": "personen aanwezig op de peildatum", "delta": delta("aanwezig")},
        {"waarde": _g(tot["bestendig_totaal"]), "wat": "bestendige oplossingen", "delta": delta("bestendig_totaal")},
        {"waarde": _pct(aanwezig_alle, capaciteit), "wat": f"bezetting van {_g(capaciteit)} plaatsen (alle aanwezigen)", "delta": None},
        {"waarde": _g(tot["buiten_doelgroep"]), "wat": "personen opgevangen buiten de doelgroep", "delta": delta("buiten_doelgroep")},
    ]
    s.add("kerncijfers", tegels)
    if data.leveringspeildata and data.peildatum > data.leveringspeildata[-1]:
        s.add("melding", f"Let op: de nieuwste levering heeft peildatum {fmt.datum(data.leveringspeildata[-1])}. "
                         f"Wat daarna tot {fmt.datum(data.peildatum)} gebeurde, is nog niet geleverd en ontbreekt "
                         "in deze cijfers.")
    return s


def _monitortabel(data: ReportData) -> Sectie:
    s = Sectie("monitortabel", "De monitortabel")
    s.tekst(
        "De tabel hieronder is de landelijke monitor op de peildatum, per pilot en voor het hele "
        "programma. Alle cijfers gelden vanaf de start op 1 april 2019 tot en met de peildatum, "
        "behalve ‘aanwezig’ en de scenario's: die gelden óp de peildatum. Alleen personen binnen "
        "de doelgroep tellen mee; wie buiten de doelgroep is opgevangen, staat apart in de laatste regel. "
        "De definities staan in het laatste hoofdstuk."
    )
    names = _monitor_seq(data)
    rijen, groepen, nadruk = [], {}, set()
    for groep, cols in MONITOR_GROEPEN:
        groepen[len(rijen)] = groep
        for col, label, _ in cols:
            if col == "bestendig_totaal":
                nadruk.add(len(rijen))
            rijen.append((label, [_g(data.monitor_rij(n)[col]) for n in names]))
    s.add("tabel", Tabel(
        nadruk=nadruk,
        caption=f"Landelijke monitor LVV op {fmt.datum(data.peildatum)}, per pilot",
        kolommen=["Cijfer"] + [n if n != "totaal" else "Totaal" for n in names],
        rijen=rijen,
        groepen=groepen,
        voetnoot="Totaal telt iedere persoon één keer, ook wie in meer dan één pilot is opgevangen; "
                 "het totaal kan daardoor kleiner zijn dan de som van de pilots. Uitstroom telt "
                 "verblijven: wie twee keer is uitgestroomd, telt twee keer.",
    ), id="tabel-monitor")
    return s


def _vergelijking(data: ReportData) -> Sectie:
    s = Sectie("vergelijking", "Vergelijking met de vorige peildatum")
    v = data.vergelijking
    if v is None:
        s.add("melding", "Er is geen eerdere peildatum binnen de looptijd van de pilots om mee te vergelijken.")
        return s
    s.tekst(
        f"Vergeleken wordt met {fmt.datum(v.vorige)}: {v.reden}. Voor die peildatum staan twee kolommen: "
        "de cijfers zoals ze toen gerapporteerd werden (alleen de leveringen die toen binnen waren), en "
        "dezelfde peildatum berekend met de nieuwste leveringen. Het verschil tussen die twee zijn "
        "correcties en late meldingen achteraf; het verschil tussen de nieuwste stand van de vorige "
        "peildatum en deze peildatum is de werkelijke ontwikkeling."
    )
    tot_nu = data.monitor_rij("totaal")
    tot_toen = data.monitor_rij("totaal", v.zoals_gerapporteerd) if v.zoals_gerapporteerd else None
    tot_toen_nw = data.monitor_rij("totaal", v.nieuwste)
    rijen, groepen, nadruk = [], {}, set()
    for groep, cols in MONITOR_GROEPEN:
        groepen[len(rijen)] = groep
        for col, label, _ in cols:
            if col == "bestendig_totaal":
                nadruk.add(len(rijen))
            toen = tot_toen[col] if tot_toen else None
            nw = tot_toen_nw[col]
            nu = tot_nu[col]
            rijen.append((label, [
                _g(toen), _g(nw), _g(nu),
                fmt.verschil(nu - nw),
                fmt.verschil(nw - toen) if toen is not None else "–",
            ]))
    s.add("tabel", Tabel(
        caption=f"Totaal van alle pilots: {fmt.datum(v.vorige)} en {fmt.datum(data.peildatum)}",
        kolommen=["Cijfer", f"{fmt.datum(v.vorige)}, zoals toen gerapporteerd",
                  f"{fmt.datum(v.vorige)}, met nieuwste gegevens", fmt.datum(data.peildatum),
                  "Ontwikkeling", "Correctie achteraf"],
        rijen=rijen, groepen=groepen, nadruk=nadruk,
        voetnoot="Ontwikkeling = deze peildatum min de vorige peildatum met de nieuwste gegevens. "
                 "Correctie achteraf = de vorige peildatum met de nieuwste gegevens min zoals toen gerapporteerd.",
    ), id="tabel-vergelijking")
    kern = ("ooit_opgevangen", "aanwezig", "bestendig_totaal", "scenario_vertrek", "buiten_doelgroep")
    rijen = []
    for n in _monitor_seq(data):
        nu = data.monitor_rij(n)
        try:
            toen = data.monitor_rij(n, v.nieuwste)
        except KeyError:
            toen = None
        cellen = []
        for col in kern:
            cellen.append(_g(nu[col]))
            cellen.append(fmt.verschil(nu[col] - toen[col]) if toen else "–")
        rijen.append((n if n != "totaal" else "Totaal", cellen))
    kolommen = ["Pilot"]
    for col in kern:
        kolommen += ["Stand", "Verschil"]
    s.add("tabel", Tabel(
        caption=f"Per pilot: stand op {fmt.datum(data.peildatum)} en verschil met {fmt.datum(v.vorige)} (nieuwste gegevens)",
        kolommen=kolommen, rijen=rijen, nadruk_laatste_rij=True,
        kolomgroepen=[(MONITOR_LABEL[col], 2) for col in kern],
    ), id="tabel-vergelijking-pilots")
    return s


def _reeks_datums(data: ReportData) -> list[dict]:
    """The monitor series of the `totaal` row, per first of the month and the peildatum."""
    return [r for r in data.monitor_reeks if r["gemeente"] == "totaal"]


def _bestendig(data: ReportData) -> Sectie:
    s = Sectie("bestendig", "Bestendige oplossingen")
    s.tekst(
        "Een bestendige oplossing is een verblijfsvergunning (bestendig verblijf), of een vertrek naar "
        "het land van herkomst (terugkeer) of naar een ander land (doormigratie). De monitor telt een "
        "oplossing alleen als de IND of de DT&V haar bevestigt: een ingewilligde aanvraag of een "
        f"geregistreerd vertrek tussen de instroom en {window_days()} dagen na de uitstroom. Meldt de gemeente een "
        "oplossing zonder die bevestiging, dan staat zij onder ‘onbevestigd’."
    )
    names = [p.gemeente for p in data.pilots]
    rows = [data.monitor_rij(n) for n in names]
    reeksen = [Reeks(MONITOR_LABEL[c], [r[c] for r in rows]) for c in BESTENDIG]
    tabel = Tabel(
        caption=f"Bestendige oplossingen per pilot tot en met {fmt.datum(data.peildatum)}",
        kolommen=["Pilot"] + [MONITOR_LABEL[c] for c in BESTENDIG] + ["Totaal"],
        rijen=[(n, [_g(r[c]) for c in BESTENDIG] + [_g(r["bestendig_totaal"])]) for n, r in zip(names, rows)]
        + [("Totaal", [_g(data.monitor_rij("totaal")[c]) for c in BESTENDIG] + [_g(data.monitor_rij("totaal")["bestendig_totaal"])])],
        nadruk_laatste_rij=True,
    )
    beschrijving = "; ".join(
        f"{n}: {_g(r['bestendig_totaal'])} ({', '.join(f'{MONITOR_LABEL[c].lower()} {_g(r[c])}' for c in BESTENDIG)})"
        for n, r in zip(names, rows))
    s.add("grafiek", liggende_staven(
        "bestendig-per-pilot", f"Bestendige oplossingen per pilot, 1 april 2019 tot en met {fmt.datum(data.peildatum)}",
        names, reeksen, "Aantal verblijven", "Liggende gestapelde staven per pilot. " + beschrijving, tabel,
        kleur_start=2,
    ))
    serie = _reeks_datums(data)
    if serie:
        x = [r["peildatum"] for r in serie]
        reeksen = [
            Reeks("Totaal bestendig", [r["bestendig_totaal"] for r in serie], kleur=0, dik=True),
            Reeks("Bestendig verblijf", [r["bestendig_verblijf"] for r in serie], kleur=2),
            Reeks("Terugkeer", [r["terugkeer"] for r in serie], kleur=3),
            Reeks("Doormigratie", [r["doormigratie"] for r in serie], kleur=4),
        ]
        tabel = Tabel(
            caption="Bestendige oplossingen vanaf de start, opgeteld, per peildatum (alle pilots)",
            kolommen=["Peildatum"] + [r.naam for r in reeksen],
            rijen=[(fmt.datum(r["peildatum"]), [_g(r["bestendig_totaal"]), _g(r["bestendig_verblijf"]),
                                                  _g(r["terugkeer"]), _g(r["doormigratie"])]) for r in serie],
        )
        s.add("grafiek", lijngrafiek(
            "bestendig-in-de-tijd", "Bestendige oplossingen vanaf de start, opgeteld (alle pilots)", x, reeksen,
            "Aantal (opgeteld)", f"Lijngrafiek van de eerste van elke maand tot {fmt.datum(data.peildatum)}. "
            f"Eindstand: totaal {_g(serie[-1]['bestendig_totaal'])}.", tabel,
            toelichting="Stand op de eerste van elke maand, berekend met de nieuwste gegevens.",
        ))
    if data.vertreklanden:
        per_land: dict[str, dict[str, int]] = defaultdict(lambda: {"terugkeer": 0, "doormigratie": 0})
        for r in data.vertreklanden:
            per_land[r["land"]][r["categorie"]] += r["aantal"]
        ordered = sorted(per_land.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        top = ordered[:10]
        rest = ordered[10:]
        rijen = [(land, [_g(v["terugkeer"]), _g(v["doormigratie"]), _g(sum(v.values()))]) for land, v in top]
        if rest:
            rt = sum(v["terugkeer"] for _, v in rest)
            rd = sum(v["doormigratie"] for _, v in rest)
            rijen.append((f"Overige {len(rest)} landen", [_g(rt), _g(rd), _g(rt + rd)]))
        tt = sum(v["terugkeer"] for v in per_land.values())
        td = sum(v["doormigratie"] for v in per_land.values())
        rijen.append(("Totaal", [_g(tt), _g(td), _g(tt + td)]))
        s.add("tabel", Tabel(
            caption="Terugkeer en doormigratie naar land van vertrek (bevestigd door de DT&V)",
            kolommen=["Land van bestemming", "Terugkeer", "Doormigratie", "Totaal"],
            rijen=rijen, nadruk_laatste_rij=True,
            voetnoot="De tien landen met de meeste vertrekken; bestemming volgens de DT&V.",
        ), id="tabel-vertreklanden")
    return s


def _scenarios(data: ReportData) -> Sectie:
    s = Sectie("scenarios", "Begeleidingsscenario's en MRT")
    s.tekst(
        "In het lokaal samenwerkingsoverleg (LSO) stellen gemeente, ngo, IND en DT&V voor iedere "
        "persoon een begeleidingsscenario vast: gericht op vertrek of gericht op verblijf. Hier staan "
        "de personen die op de peildatum in de LVV verblijven, naar het laatst vastgestelde scenario "
        "van hun huidige verblijf."
    )
    cols = ("scenario_vertrek", "scenario_verblijf", "scenario_geen")
    names = [p.gemeente for p in data.pilots]
    rows = [data.monitor_rij(n) for n in names]
    tot = data.monitor_rij("totaal")
    reeksen = [Reeks(MONITOR_LABEL[c], [r[c] for r in rows]) for c in cols]
    tabel = Tabel(
        caption=f"Aanwezige personen naar scenario op {fmt.datum(data.peildatum)}",
        kolommen=["Pilot"] + [MONITOR_LABEL[c] for c in cols] + ["Aandeel vertrek", "Aandeel verblijf", "Besproken in MRT"],
        rijen=[(n if n != "totaal" else "Totaal", [_g(r[c]) for c in cols] + [
            _pct(r["scenario_vertrek"], sum(r[c] for c in cols)),
            _pct(r["scenario_verblijf"], sum(r[c] for c in cols)),
            _g(r["mrt_besproken"])])
            for n, r in list(zip(names, rows)) + [("totaal", tot)]],
        nadruk_laatste_rij=True,
    )
    s.add("grafiek", liggende_staven(
        "scenario-per-pilot", f"Aanwezige personen naar begeleidingsscenario op {fmt.datum(data.peildatum)}",
        names, reeksen, "Aantal personen",
        "Liggende gestapelde staven per pilot. " + "; ".join(
            f"{n}: vertrek {_g(r['scenario_vertrek'])}, verblijf {_g(r['scenario_verblijf'])}, "
            f"geen {_g(r['scenario_geen'])}" for n, r in zip(names, rows)), tabel,
    ))
    serie = _reeks_datums(data)
    if serie:
        x = [r["peildatum"] for r in serie]
        reeksen = [Reeks(MONITOR_LABEL[c], [r[c] for r in serie]) for c in cols]
        reeksen.append(Reeks("Besproken in MRT (opgeteld)", [r["mrt_besproken"] for r in serie], kleur=5))
        tabel = Tabel(
            caption="Aanwezige personen naar scenario, en MRT-besprekingen, per peildatum (alle pilots)",
            kolommen=["Peildatum"] + [r.naam for r in reeksen],
            rijen=[(fmt.datum(r["peildatum"]), [_g(r[c]) for c in cols] + [_g(r["mrt_besproken"])]) for r in serie],
        )
        s.add("grafiek", lijngrafiek(
            "scenario-in-de-tijd", "Aanwezige personen naar scenario in de tijd (alle pilots)", x, reeksen,
            "Aantal personen", "Lijngrafiek per maand van de aanwezigen per scenario en het aantal in het MRT besproken personen.",
            tabel, toelichting="Stand op de eerste van elke maand, berekend met de nieuwste gegevens.",
        ))
    return s


def _maand_cat(d: date) -> str:
    return fmt.maand(d, kort=True)


def _pilot_grafieken(data: ReportData, bron: str | None, naam: str, capaciteit: int, prefix: str) -> list[Blok]:
    """Instroom, uitstroom and occupancy of one pilot (bron) or of all pilots (bron None)."""
    blokken: list[Blok] = []
    maandlijst = maanden(PROGRAMMASTART, data.peildatum)
    labels = [_maand_cat(m) for m in maandlijst]
    elke = 3 if len(maandlijst) > 14 else 1

    # Instroom per month, by origin (over from a BBB or not) and target group
    inn = defaultdict(lambda: [0, 0, 0])
    for r in data.instroom_per_maand:
        if bron is None or r["bron"] == bron:
            inn[r["maand"]][0] += r["in_doelgroep_bbb"]
            inn[r["maand"]][1] += r["in_doelgroep_overig"]
            inn[r["maand"]][2] += r["buiten_doelgroep"]
    namen = ["Doelgroep, uit BBB", "Doelgroep, nieuw of overig", "Buiten doelgroep"]
    reeksen = [Reeks(naam, [inn[m][k] for m in maandlijst]) for k, naam in enumerate(namen)]
    som = [sum(v[k] for v in inn.values()) for k in range(3)]
    tabel = Tabel(
        caption=f"Instroom per maand, {naam} (verblijven)",
        kolommen=["Maand"] + namen + ["Totaal"],
        rijen=[(fmt.maand(m), [_g(v) for v in inn[m]] + [_g(sum(inn[m]))]) for m in maandlijst]
        + [("Totaal", [_g(v) for v in som] + [_g(sum(som))])],
        nadruk_laatste_rij=True,
        voetnoot="De laatste maand loopt tot en met de peildatum." if data.peildatum.day != 1 else
        "De maand van de peildatum telt alleen de instroom op de peildatum zelf.",
    )
    blokken.append(Blok("grafiek", staafgrafiek(
        f"{prefix}-instroom", f"Instroom per maand – {naam}", labels, reeksen, "Aantal verblijven", "Maand van instroom",
        f"Gestapelde staven per maand, april 2019 tot {fmt.maand(data.peildatum)}; totaal {_g(sum(som))} instromers, "
        f"van wie {_g(som[0])} uit een BBB en {_g(som[2])} buiten de doelgroep.",
        tabel, label_elke=elke,
        toelichting="Nieuwe verblijven per maand. ‘Uit BBB’: overgekomen uit de voormalige Bed-Bad-Broodopvang "
                    "bij de overgang naar de LVV.",
    )))

    # Uitstroom per month by (grouped) category
    uit: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    groep_van = {c: key for key, _, cats in UITSTROOM_GROEPEN for c in cats}
    for r in data.uitstroom_per_maand:
        if bron is None or r["bron"] == bron:
            uit[r["maand"]][groep_van.get(r["uitstroomcategorie"], "overig")] += r["aantal"]
    reeksen = [Reeks(lab, [uit[m][key] for m in maandlijst]) for key, lab, _ in UITSTROOM_GROEPEN]
    totaal_uit = sum(sum(v.values()) for v in uit.values())
    tabel = Tabel(
        caption=f"Uitstroom per maand naar categorie, {naam} (verblijven binnen de doelgroep)",
        kolommen=["Maand"] + [lab for _, lab, _ in UITSTROOM_GROEPEN] + ["Totaal"],
        rijen=[(fmt.maand(m), [_g(uit[m][key]) for key, _, _ in UITSTROOM_GROEPEN] + [_g(sum(uit[m].values()))])
               for m in maandlijst]
        + [("Totaal", [_g(sum(uit[m][key] for m in maandlijst)) for key, _, _ in UITSTROOM_GROEPEN] + [_g(totaal_uit)])],
        nadruk_laatste_rij=True,
        voetnoot="Bestendige oplossing = bestendig verblijf, terugkeer of doormigratie. "
                 "De categorie is die van de nieuwste gegevens.",
    )
    blokken.append(Blok("grafiek", staafgrafiek(
        f"{prefix}-uitstroom", f"Uitstroom per maand naar categorie – {naam}", labels, reeksen,
        "Aantal verblijven", "Maand van uitstroom",
        f"Gestapelde staven per maand in zeven categorieën; totaal {_g(totaal_uit)} beëindigde verblijven binnen de doelgroep.",
        tabel, label_elke=elke,
    )))

    # Occupancy against capacity, daily
    per_dag: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in data.bezetting:
        if bron is None or r["bron"] == bron:
            acc = per_dag[r["datum"]]
            acc[0] += r["aanwezig"] or 0
            acc[1] += r["aanwezig_in_doelgroep"] or 0
            acc[2] += r["capaciteit"] or 0
    dagen = sorted(d for d in per_dag if PROGRAMMASTART <= d <= data.peildatum)
    if dagen:
        cap = per_dag[dagen[-1]][2] or capaciteit
        reeksen = [Reeks("Alle aanwezigen", [per_dag[d][0] for d in dagen], kleur=0, dik=True),
                   Reeks("Aanwezigen in doelgroep", [per_dag[d][1] for d in dagen], kleur=1)]
        momenten = [d for d in dagen if d.day == 1 or d == dagen[-1]]
        tabel = Tabel(
            caption=f"Bezetting tegenover capaciteit, {naam} (op de eerste van de maand en op de peildatum)",
            kolommen=["Datum", "Aanwezig, alle personen", "Aanwezig, binnen doelgroep", "Capaciteit", "Bezettingsgraad"],
            rijen=[(fmt.datum(d), [_g(per_dag[d][0]), _g(per_dag[d][1]), _g(per_dag[d][2] or cap),
                                   _pct(per_dag[d][0], per_dag[d][2] or cap)]) for d in momenten],
            voetnoot="Bezettingsgraad = alle aanwezigen (ook buiten de doelgroep) gedeeld door de capaciteit.",
        )
        boven = sum(1 for d in dagen if per_dag[d][0] > (per_dag[d][2] or cap))
        blokken.append(Blok("grafiek", lijngrafiek(
            f"{prefix}-bezetting", f"Bezetting tegenover capaciteit – {naam}", dagen, reeksen,
            "Aantal personen", f"Lijngrafiek per dag van 1 april 2019 tot {fmt.datum(data.peildatum)}. "
            f"Op de peildatum {_g(per_dag[dagen[-1]][0])} aanwezig op {_g(cap)} plaatsen"
            f"{f'; op {boven} dagen boven de capaciteit' if boven else ''}.",
            tabel, referenties=[(cap, f"Capaciteit: {_g(cap)} plaatsen")], markers=False,
            toelichting=f"Aanwezigen per dag. De gestippelde lijn is de afgesproken capaciteit"
                        f"{f'; de bezetting lag op {boven} dagen boven de capaciteit' if boven else ''}.",
        )))
    return blokken


def _per_pilot(data: ReportData) -> list[Sectie]:
    s = Sectie("stromen", "In- en uitstroom en bezetting")
    s.tekst(
        "Per pilot, en eerst voor alle pilots samen: de instroom per maand, de uitstroom per maand naar "
        "categorie en de bezetting per dag tegenover de afgesproken capaciteit. De instroom telt ook "
        "wie buiten de doelgroep is opgevangen (apart aangegeven); de uitstroom alleen verblijven binnen "
        "de doelgroep, zoals de monitortabel. Deze grafieken gebruiken de nieuwste gegevens."
    )
    s.add("kop", "Alle pilots samen", id="stromen-totaal")
    s.blokken += _pilot_grafieken(data, None, "alle pilots", sum(p.capaciteit for p in data.pilots), "totaal")
    out = [s]
    for p in data.pilots:
        ps = Sectie(f"pilot-{p.bron}", f"Pilot {p.gemeente}", klasse="pilot")
        r = data.monitor_rij(p.gemeente)
        ps.tekst(
            f"{p.gemeente} heeft {_g(p.capaciteit)} plaatsen. Tot en met {fmt.datum(data.peildatum)} zijn "
            f"{_g(r['ooit_opgevangen'])} personen uit de doelgroep opgevangen, waarvan er op de peildatum "
            f"{_g(r['aanwezig'])} aanwezig waren. Bestendige oplossingen: {_g(r['bestendig_totaal'])} "
            f"({_g(r['bestendig_verblijf'])} bestendig verblijf, {_g(r['terugkeer'])} terugkeer, "
            f"{_g(r['doormigratie'])} doormigratie). Buiten de doelgroep opgevangen: {_g(r['buiten_doelgroep'])}."
        )
        ps.blokken += _pilot_grafieken(data, p.bron, p.gemeente, p.capaciteit, f"pilot-{p.bron}")
        out.append(ps)
    return out


def _afwijkingen(data: ReportData) -> Sectie:
    s = Sectie("afwijkingen", "Buiten de doelgroep en andere afwijkingen")
    s.tekst(
        "Het convenant beschrijft wie tot de doelgroep van de LVV behoort. Wie bij de instroom niet tot "
        "de doelgroep behoorde, telt niet mee in de monitor, maar wordt hier per pilot en per reden "
        "getoond. Eén persoon kan om meer dan één reden buiten de doelgroep vallen."
    )
    names = [p.gemeente for p in data.pilots]
    bron_naar_naam = {p.bron: p.gemeente for p in data.pilots}
    per = defaultdict(lambda: defaultdict(int))
    for r in data.buiten_doelgroep:
        per[r["reden"]][r["bron"]] += r["personen"]
    redenen = sorted(per, key=lambda k: -sum(per[k].values()))
    if redenen:
        reeksen = [Reeks(reden_label(rd) if len(reden_label(rd)) < 34 else rd.replace("_", " ").capitalize(),
                         [per[rd][p.bron] for p in data.pilots]) for rd in redenen]
        tabel = Tabel(
            caption=f"Personen opgevangen buiten de doelgroep, per reden en pilot, tot en met {fmt.datum(data.peildatum)}",
            kolommen=["Reden"] + names + ["Som pilots"],
            rijen=[(reden_label(rd), [_g(per[rd][p.bron]) for p in data.pilots] + [_g(sum(per[rd].values()))]) for rd in redenen]
            + [("Buiten doelgroep (monitor, personen)", [_g(data.monitor_rij(n)["buiten_doelgroep"]) for n in names]
                + [_g(data.monitor_rij("totaal")["buiten_doelgroep"])])],
            nadruk_laatste_rij=True,
            voetnoot="Eén persoon kan om meer redenen buiten de doelgroep vallen; de laatste regel telt iedere persoon één keer "
                     "(in de laatste kolom landelijk).",
        )
        s.add("grafiek", liggende_staven(
            "buiten-doelgroep", f"Buiten de doelgroep opgevangen, per pilot en reden", names, reeksen,
            "Aantal personen (per reden)", "Liggende gestapelde staven per pilot met het aantal personen per reden. " +
            "; ".join(f"{n}: " + ", ".join(f"{reden_label(rd).lower()} {per[rd][p.bron]}" for rd in redenen if per[rd][p.bron])
                      for n, p in zip(names, data.pilots)), tabel, kleur_start=1,
        ))
    else:
        s.add("melding", "Tot en met de peildatum is niemand buiten de doelgroep opgevangen.")

    s.add("kop", "Afwijkingen in de uitstroom", id="afwijkingen-uitstroom")
    if data.afwijkingen_uitstroom:
        soorten = sorted({r["afwijking"] for r in data.afwijkingen_uitstroom})
        tel = {(r["bron"], r["afwijking"]): r["aantal"] for r in data.afwijkingen_uitstroom}
        s.tekst("Beëindigde verblijven waarvan de uitstroomreden die de gemeente meldde niet overeenkomt met "
                "wat de IND of de DT&V registreerde. De monitor telt zo'n verblijf volgens de regels in de "
                "definities (een niet bevestigde oplossing als ‘onbevestigd’); de pilot kan de gevallen in "
                "het LSO nagaan.")
        s.add("tabel", Tabel(
            caption=f"Afwijkingen in de uitstroom per pilot, tot en met {fmt.datum(data.peildatum)} (verblijven)",
            kolommen=["Soort afwijking"] + names + ["Totaal"],
            rijen=[(afwijking_label(a), [_g(tel.get((p.bron, a), 0)) for p in data.pilots]
                    + [_g(sum(tel.get((p.bron, a), 0) for p in data.pilots))]) for a in soorten],
        ), id="tabel-afwijkingen-uitstroom")
    else:
        s.tekst("Er zijn geen verblijven met een afwijking tussen de melding van de gemeente en de registratie "
                "van de IND of de DT&V.")

    s.add("kop", "Afwijkingen van convenant en aanlevering", id="afwijkingen-overig")
    if data.afwijkingen is None:
        s.add("melding", "Nog niet beschikbaar: het overzicht van afwijkingen (convenant en kwaliteit van de "
                         "leveringen) staat nog niet in het gepubliceerde bestand van de monitor.")
    elif not data.afwijkingen:
        s.tekst("Er zijn op de peildatum geen afwijkingen geregistreerd.")
    else:
        rows = sorted(data.afwijkingen, key=lambda r: (
            [p.bron for p in data.pilots].index(r["bron"]) if r["bron"] in bron_naar_naam else 99,
            str(r["bron"]), ERNST_VOLGORDE.get(str(r["ernst"]).lower(), 9), str(r["soort"])))
        s.tekst("Afwijkingen die de controles op de leveringen en op het convenant vonden, geteld per bron, "
                "soort en ernst. ‘Sinds’ is de vroegste datum waarop een afwijking van die soort bestond. "
                "Dit rapport noemt geen personen; de pilot vindt de gevallen in zijn eigen overzicht.")
        s.add("tabel", Tabel(
            caption=f"Afwijkingen per bron op {fmt.datum(data.peildatum)}",
            kolommen=["Bron", "Soort", "Ernst", "Aantal", "Sinds"],
            rijen=[(bron_naar_naam.get(r["bron"], bron_label(str(r["bron"]))),
                    [Tekst(afwijking_label(str(r["soort"]))), Tekst(str(r["ernst"] or "–")), _g(r["aantal"]),
                     fmt.datum(r["oudste"]) if isinstance(r["oudste"], date) else "–"]) for r in rows],
        ), id="tabel-afwijkingen")
    return s


def _definities(data: ReportData) -> Sectie:
    s = Sectie("definities", "Definities en bronnen")
    s.add("kop", "Wat de cijfers betekenen", id="definities-cijfers")
    s.add("definities", [(MONITOR_LABEL[c], monitor_definitie(c)) for c in MONITOR_KOLOMMEN] + [
        ("Peildatum", "De datum waarop de stand wordt opgemaakt. Wat op de peildatum zelf gebeurt, telt mee."),
        ("Doelgroep", "Vreemdelingen zonder recht op verblijf of Rijksopvang, met aantoonbare regiobinding. "
                      "Buiten de doelgroep vallen: gezinnen met minderjarige kinderen, EU-burgers, mensen met een "
                      "zwaar inreisverbod of ongewenstverklaring, Dublinclaimanten, mensen van wie een "
                      "asielprocedure loopt en mensen zonder regiobinding. Mensen uit een veilig land van "
                      "herkomst horen wél tot de doelgroep."),
        ("Persoon en verblijf", "Een persoon is één vreemdelingennummer; wie niet aan de IND- en DT&V-gegevens "
                                "gekoppeld kon worden, is één cliënt van één pilot. Een verblijf loopt van instroom "
                                "tot uitstroom; één persoon kan meer verblijven hebben."),
        ("Bevestiging door IND en DT&V", "Een uitstroom telt als bestendig verblijf, terugkeer of doormigratie als de "
                                         f"IND of DT&V dat registreerde tussen de instroom en {window_days()} dagen "
                                         "na de uitstroom."),
        ("Bezetting", "Alle personen die op een dag in de LVV verblijven, ook wie buiten de doelgroep valt, "
                      "tegenover de afgesproken capaciteit."),
        ("Nieuwste gegevens en zoals gerapporteerd", "Standaard gebruikt de monitor de nieuwste levering van iedere "
                                                     "bron, met correcties. ‘Zoals gerapporteerd’ gebruikt alleen de "
                                                     "leveringen die op de peildatum binnen waren, zodat eerder "
                                                     "gerapporteerde cijfers precies terug te vinden zijn."),
    ])
    s.add("kop", "Bronnen", id="definities-bronnen")
    lev = ", ".join(fmt.datum(d) for d in data.leveringspeildata) if data.leveringspeildata else "niet vermeld in het bestand"
    s.add("lijst", [
        f"De vijf pilotgemeenten ({', '.join(pilot_names().values())}): de verblijven in de LVV "
        "(instroom, uitstroom en reden) en de begeleiding (scenario's, aanmelding en advies van het MRT).",
        "De IND: asiel- en reguliere procedures met hun beslissingen, en maatregelen (inreisverbod, "
        "ongewenstverklaring, Dublinclaim).",
        "De DT&V: vertrekzaken met de datum, de manier en de bestemming van het vertrek.",
        f"Leveringspeildata in dit bestand: {lev}. Iedere levering is een volledige stand vanaf de start "
        "van het programma.",
        "De gegevens zijn gekoppeld via het vreemdelingennummer en daarna gepseudonimiseerd: dit rapport "
        "en het bestand waar het uit komt bevatten geen namen, nummers of geboortedata.",
    ])
    if data.leveringen:
        volgorde = {p.bron: i for i, p in enumerate(data.pilots)} | {"ind": 90, "dtv": 91}
        rows = sorted(data.leveringen, key=lambda r: (volgorde.get(r["bron"], 99), str(r["bestand"])))
        s.add("tabel", Tabel(
            caption=f"Leveringen tot en met {fmt.datum(data.peildatum)} waarop dit rapport rust",
            kolommen=["Bron", "Bestand", "Aantal leveringen", "Eerste peildatum", "Laatste peildatum", "Rijen in laatste levering"],
            rijen=[(bron_label(r["bron"]), [Tekst(bestand_label(r["bestand"])), _g(r["leveringen"]),
                    fmt.datum(r["eerste"]) if r["eerste"] else "–",
                    fmt.datum(r["laatste_peildatum"]) if r["laatste_peildatum"] else "–",
                    _g(r["rijen_laatste"])]) for r in rows],
            voetnoot="Een correctie van een levering (zelfde peildatum, nieuwe inhoud) telt niet als extra levering.",
        ), id="tabel-leveringen")
    s.add("kop", "Waar u op moet letten", id="definities-letop")
    s.add("lijst", [
        "Kleine aantallen per pilot schommelen sterk; vergelijk pilots bij voorkeur over langere periodes.",
        "De grafieken met in- en uitstroom en bezetting gebruiken de nieuwste gegevens. Een uitstroomcategorie "
        "kan daardoor afwijken van de monitortabel als een bevestiging van IND of DT&V na de peildatum is "
        "geregistreerd.",
        "De categorie ‘onbevestigd’ krimpt vaak bij latere peildata, als de bevestiging alsnog binnenkomt.",
    ])
    return s


# ---------------------------------------------------------------------------------------------


def _env() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
    env.tests["tekstcel"] = lambda value: isinstance(value, Tekst)
    return env


def _bron_tekst(data: ReportData) -> str:
    tekst = data.bron_bestand.name
    pub = data.publicatie
    published = pub.get("published_at")
    if isinstance(published, datetime):
        local = published.replace(tzinfo=ZoneInfo("UTC")).astimezone(AMSTERDAM) if published.tzinfo is None else published
        tekst += f", gepubliceerd op {fmt.datum(local.date())} om {local:%H:%M}"
    if pub.get("code_version"):
        tekst += f" (programmaversie {pub['code_version']})"
    return tekst


def render_report(data: ReportData, gemaakt_op: datetime | None = None) -> str:
    """The whole report as one self-contained HTML document."""
    gemaakt_op = gemaakt_op or datetime.now(AMSTERDAM)
    secties = [
        _kerncijfers(data),
        _monitortabel(data),
        _vergelijking(data),
        _bestendig(data),
        _scenarios(data),
        *_per_pilot(data),
        _afwijkingen(data),
        _definities(data),
    ]
    for i, s in enumerate(secties, start=1):
        s.nummer = i
        for b in s.blokken:
            if b.soort == "grafiek":
                b.inhoud.svg = Markup(b.inhoud.svg)
    v = data.vergelijking
    vergelijking_tekst = f"{fmt.datum(v.vorige)} ({v.reden})" if v else "geen eerdere peildatum"
    return _env().from_string(TEMPLATE).render(
        css=Markup(CSS),
        demo=data.is_demo,
        peildatum=fmt.datum(data.peildatum),
        peildatum_iso=data.peildatum.isoformat(),
        kennisstand=("zoals gerapporteerd: alleen de leveringen die op de peildatum binnen waren "
                     "(de grafieken gebruiken de nieuwste leveringen)" if data.zoals_gerapporteerd
                     else "de nieuwste levering van iedere bron, met correcties"),
        vergelijking_tekst=vergelijking_tekst,
        gemaakt_op=f"{fmt.datum(gemaakt_op.date())}, {gemaakt_op:%H:%M}",
        bronbestand=_bron_tekst(data),
        secties=secties,
    )
