"""In- and outflow per month and occupancy per day: for all pilots together, then a chapter per pilot."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pipelines.report import fmt
from pipelines.report.charts import Series, Table, bar_chart, line_chart
from pipelines.report.data import PROGRAMMASTART, ReportData, maanden
from pipelines.report.document import Block, Section, count, share
from pipelines.report.labels import (
    UITSTROOM_GROEPEN,
)


def _maand_cat(d: date) -> str:
    return fmt.maand(d, kort=True)


def _pilot_grafieken(data: ReportData, bron: str | None, naam: str, capaciteit: int, prefix: str) -> list[Block]:
    """Instroom, uitstroom and occupancy of one pilot (bron) or of all pilots (bron None)."""
    blocks: list[Block] = []
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
    reeksen = [Series(naam, [inn[m][k] for m in maandlijst]) for k, naam in enumerate(namen)]
    som = [sum(v[k] for v in inn.values()) for k in range(3)]
    tabel = Table(
        caption=f"Instroom per maand, {naam} (verblijven)",
        kolommen=["Maand"] + namen + ["Totaal"],
        rijen=[(fmt.maand(m), [count(v) for v in inn[m]] + [count(sum(inn[m]))]) for m in maandlijst]
        + [("Totaal", [count(v) for v in som] + [count(sum(som))])],
        nadruk_laatste_rij=True,
        voetnoot="De laatste maand loopt tot en met de peildatum." if data.peildatum.day != 1 else
        "De maand van de peildatum telt alleen de instroom op de peildatum zelf.",
    )
    blocks.append(Block("grafiek", bar_chart(
        f"{prefix}-instroom", f"Instroom per maand – {naam}", labels, reeksen, "Aantal verblijven", "Maand van instroom",
        f"Gestapelde staven per maand, april 2019 tot {fmt.maand(data.peildatum)}; totaal {count(sum(som))} instromers, "
        f"van wie {count(som[0])} uit een BBB en {count(som[2])} buiten de doelgroep.",
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
    reeksen = [Series(lab, [uit[m][key] for m in maandlijst]) for key, lab, _ in UITSTROOM_GROEPEN]
    totaal_uit = sum(sum(v.values()) for v in uit.values())
    tabel = Table(
        caption=f"Uitstroom per maand naar categorie, {naam} (verblijven binnen de doelgroep)",
        kolommen=["Maand"] + [lab for _, lab, _ in UITSTROOM_GROEPEN] + ["Totaal"],
        rijen=[(fmt.maand(m), [count(uit[m][key]) for key, _, _ in UITSTROOM_GROEPEN] + [count(sum(uit[m].values()))])
               for m in maandlijst]
        + [("Totaal", [count(sum(uit[m][key] for m in maandlijst)) for key, _, _ in UITSTROOM_GROEPEN] + [count(totaal_uit)])],
        nadruk_laatste_rij=True,
        voetnoot="Bestendige oplossing = bestendig verblijf, terugkeer of doormigratie. "
                 "De categorie is die van de nieuwste gegevens.",
    )
    blocks.append(Block("grafiek", bar_chart(
        f"{prefix}-uitstroom", f"Uitstroom per maand naar categorie – {naam}", labels, reeksen,
        "Aantal verblijven", "Maand van uitstroom",
        f"Gestapelde staven per maand in zeven categorieën; totaal {count(totaal_uit)} beëindigde verblijven binnen "
        "de doelgroep.",
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
        reeksen = [Series("Alle aanwezigen", [per_dag[d][0] for d in dagen], kleur=0, dik=True),
                   Series("Aanwezigen in doelgroep", [per_dag[d][1] for d in dagen], kleur=1)]
        momenten = [d for d in dagen if d.day == 1 or d == dagen[-1]]
        tabel = Table(
            caption=f"Bezetting tegenover capaciteit, {naam} (op de eerste van de maand en op de peildatum)",
            kolommen=["Datum", "Aanwezig, alle personen", "Aanwezig, binnen doelgroep", "Capaciteit", "Bezettingsgraad"],
            rijen=[(fmt.datum(d), [count(per_dag[d][0]), count(per_dag[d][1]), count(per_dag[d][2] or cap),
                                   share(per_dag[d][0], per_dag[d][2] or cap)]) for d in momenten],
            voetnoot="Bezettingsgraad = alle aanwezigen (ook buiten de doelgroep) gedeeld door de capaciteit.",
        )
        boven = sum(1 for d in dagen if per_dag[d][0] > (per_dag[d][2] or cap))
        blocks.append(Block("grafiek", line_chart(
            f"{prefix}-bezetting", f"Bezetting tegenover capaciteit – {naam}", dagen, reeksen,
            "Aantal personen", f"Lijngrafiek per dag van 1 april 2019 tot {fmt.datum(data.peildatum)}. "
            f"Op de peildatum {count(per_dag[dagen[-1]][0])} aanwezig op {count(cap)} plaatsen"
            f"{f'; op {boven} dagen boven de capaciteit' if boven else ''}.",
            tabel, referenties=[(cap, f"Capaciteit: {count(cap)} plaatsen")], markers=False,
            toelichting=f"Aanwezigen per dag. De gestippelde lijn is de afgesproken capaciteit"
                        f"{f'; de bezetting lag op {boven} dagen boven de capaciteit' if boven else ''}.",
        )))
    return blocks


def per_pilot(data: ReportData) -> list[Section]:
    s = Section("stromen", "In- en uitstroom en bezetting")
    s.text(
        "Per pilot, en eerst voor alle pilots samen: de instroom per maand, de uitstroom per maand naar "
        "categorie en de bezetting per dag tegenover de afgesproken capaciteit. De instroom telt ook "
        "wie buiten de doelgroep is opgevangen (apart aangegeven); de uitstroom alleen verblijven binnen "
        "de doelgroep, zoals de monitortabel. Deze grafieken gebruiken de nieuwste gegevens."
    )
    s.add("kop", "Alle pilots samen", id="stromen-totaal")
    s.blocks += _pilot_grafieken(data, None, "alle pilots", sum(p.capaciteit for p in data.pilots), "totaal")
    out = [s]
    for p in data.pilots:
        ps = Section(f"pilot-{p.bron}", f"Pilot {p.gemeente}", css_class="pilot")
        r = data.monitor_rij(p.gemeente)
        ps.text(
            f"{p.gemeente} heeft {count(p.capaciteit)} plaatsen. Tot en met {fmt.datum(data.peildatum)} zijn "
            f"{count(r['ooit_opgevangen'])} personen uit de doelgroep opgevangen, waarvan er op de peildatum "
            f"{count(r['aanwezig'])} aanwezig waren. Bestendige oplossingen: {count(r['bestendig_totaal'])} "
            f"({count(r['bestendig_verblijf'])} bestendig verblijf, {count(r['terugkeer'])} terugkeer, "
            f"{count(r['doormigratie'])} doormigratie). Buiten de doelgroep opgevangen: {count(r['buiten_doelgroep'])}."
        )
        ps.blocks += _pilot_grafieken(data, p.bron, p.gemeente, p.capaciteit, f"pilot-{p.bron}")
        out.append(ps)
    return out
