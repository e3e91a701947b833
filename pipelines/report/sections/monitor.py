"""The monitor itself: the key figures, the monitor table and the comparison with the previous peildatum."""

from __future__ import annotations

from collections.abc import Callable

from pipelines.report import fmt
from pipelines.report.charts import Table
from pipelines.report.data import ReportData
from pipelines.report.document import Section, count, monitor_rows, share
from pipelines.report.labels import (
    MONITOR_GROEPEN,
    MONITOR_LABEL,
)


def kerncijfers(data: ReportData) -> Section:
    s = Section("kerncijfers", "Kerncijfers")
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

    s.text(
        f"Vanaf de start van de pilots op 1 april 2019 tot en met {fmt.datum(data.peildatum)} zijn "
        f"{count(tot['ooit_opgevangen'])} personen uit de doelgroep opgevangen in de vijf pilot-LVV's. "
        f"Op de peildatum verbleven er {count(tot['aanwezig'])}, op {count(capaciteit)} afgesproken plaatsen. "
        f"Er zijn {count(tot['bestendig_totaal'])} bestendige oplossingen bereikt: "
        f"{count(tot['bestendig_verblijf'])} keer bestendig verblijf en "
        f"{count(tot['terugkeer'] + tot['doormigratie'])} keer vertrek naar het land van herkomst of "
        f"doormigratie.",
        css_class="inleiding",
    )
    tegels = [
        {"waarde": count(tot["ooit_opgevangen"]), "wat": "personen ooit opgevangen (doelgroep)",
         "delta": delta("ooit_opgevangen")},
        {"waarde": count(tot["aanwezig"]), "wat": "personen aanwezig op de peildatum", "delta": delta("aanwezig")},
        {"waarde": count(tot["bestendig_totaal"]), "wat": "bestendige oplossingen", "delta": delta("bestendig_totaal")},
        {"waarde": share(aanwezig_alle, capaciteit), "wat": f"bezetting van {count(capaciteit)} plaatsen (alle aanwezigen)",
         "delta": None},
        {"waarde": count(tot["buiten_doelgroep"]), "wat": "personen opgevangen buiten de doelgroep",
         "delta": delta("buiten_doelgroep")},
    ]
    s.add("kerncijfers", tegels)
    if data.leveringspeildata and data.peildatum > data.leveringspeildata[-1]:
        s.add("melding", f"Let op: de nieuwste levering heeft peildatum {fmt.datum(data.leveringspeildata[-1])}. "
                         f"Wat daarna tot {fmt.datum(data.peildatum)} gebeurde, is nog niet geleverd en ontbreekt "
                         "in deze cijfers.")
    return s


def _grouped_rows(cells: Callable[[str], list[str]]) -> tuple[list, dict[int, str], set[int]]:
    """The monitor's rows in their groups (MONITOR_GROEPEN), with `cells(column)` per row: the
    rows, the index where each group starts, and the emphasized row (bestendig_totaal)."""
    rijen: list = []
    groepen: dict[int, str] = {}
    nadruk: set[int] = set()
    for groep, cols in MONITOR_GROEPEN:
        groepen[len(rijen)] = groep
        for col, label, _ in cols:
            if col == "bestendig_totaal":
                nadruk.add(len(rijen))
            rijen.append((label, cells(col)))
    return rijen, groepen, nadruk


def monitortabel(data: ReportData) -> Section:
    s = Section("monitortabel", "De monitortabel")
    s.text(
        "De tabel hieronder is de landelijke monitor op de peildatum, per pilot en voor het hele "
        "programma. Alle cijfers gelden vanaf de start op 1 april 2019 tot en met de peildatum, "
        "behalve ‘aanwezig’ en de scenario's: die gelden óp de peildatum. Alleen personen binnen "
        "de doelgroep tellen mee; wie buiten de doelgroep is opgevangen, staat apart in de laatste regel. "
        "De definities staan in het laatste hoofdstuk."
    )
    names = monitor_rows(data)
    rijen, groepen, nadruk = _grouped_rows(lambda col: [count(data.monitor_rij(n)[col]) for n in names])
    s.add("tabel", Table(
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


def vergelijking(data: ReportData) -> Section:
    s = Section("vergelijking", "Vergelijking met de vorige peildatum")
    v = data.vergelijking
    if v is None:
        s.add("melding", "Er is geen eerdere peildatum binnen de looptijd van de pilots om mee te vergelijken.")
        return s
    s.text(
        f"Vergeleken wordt met {fmt.datum(v.vorige)}: {v.reden}. Voor die peildatum staan twee kolommen: "
        "de cijfers zoals ze toen gerapporteerd werden (alleen de leveringen die toen binnen waren), en "
        "dezelfde peildatum berekend met de nieuwste leveringen. Het verschil tussen die twee zijn "
        "correcties en late meldingen achteraf; het verschil tussen de nieuwste stand van de vorige "
        "peildatum en deze peildatum is de werkelijke ontwikkeling."
    )
    tot_nu = data.monitor_rij("totaal")
    tot_toen = data.monitor_rij("totaal", v.zoals_gerapporteerd) if v.zoals_gerapporteerd else None
    tot_toen_nw = data.monitor_rij("totaal", v.nieuwste)

    def comparison_cells(col: str) -> list[str]:
        toen = tot_toen[col] if tot_toen else None
        nw = tot_toen_nw[col]
        nu = tot_nu[col]
        return [count(toen), count(nw), count(nu), fmt.verschil(nu - nw),
                fmt.verschil(nw - toen) if toen is not None else "–"]

    rijen, groepen, nadruk = _grouped_rows(comparison_cells)
    s.add("tabel", Table(
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
    for n in monitor_rows(data):
        nu = data.monitor_rij(n)
        try:
            toen = data.monitor_rij(n, v.nieuwste)
        except KeyError:
            toen = None
        cellen = []
        for col in kern:
            cellen.append(count(nu[col]))
            cellen.append(fmt.verschil(nu[col] - toen[col]) if toen else "–")
        rijen.append((n if n != "totaal" else "Totaal", cellen))
    kolommen = ["Pilot"]
    for col in kern:
        kolommen += ["Stand", "Verschil"]
    s.add("tabel", Table(
        caption=f"Per pilot: stand op {fmt.datum(data.peildatum)} en verschil met {fmt.datum(v.vorige)} (nieuwste gegevens)",
        kolommen=kolommen, rijen=rijen, nadruk_laatste_rij=True,
        kolomgroepen=[(MONITOR_LABEL[col], 2) for col in kern],
    ), id="tabel-vergelijking-pilots")
    return s
