"""What the pilots achieve: lasting solutions (with the countries of departure) and the guidance scenarios."""

from __future__ import annotations

from collections import defaultdict

from pipelines.reconciliation_window import window_days
from pipelines.report import fmt
from pipelines.report.charts import Series, Table, horizontal_bar_chart, line_chart
from pipelines.report.data import ReportData
from pipelines.report.document import Section, count, share, total_series
from pipelines.report.labels import (
    BESTENDIG,
    MONITOR_LABEL,
)


def bestendig(data: ReportData) -> Section:
    s = Section("bestendig", "Bestendige oplossingen")
    s.text(
        "Een bestendige oplossing is een verblijfsvergunning (bestendig verblijf), of een vertrek naar "
        "het land van herkomst (terugkeer) of naar een ander land (doormigratie). De monitor telt een "
        "oplossing alleen als de IND of de DT&V haar bevestigt: een ingewilligde aanvraag of een "
        f"geregistreerd vertrek tussen de instroom en {window_days()} dagen na de uitstroom. Meldt de gemeente een "
        "oplossing zonder die bevestiging, dan staat zij onder ‘onbevestigd’."
    )
    names = [p.gemeente for p in data.pilots]
    rows = [data.monitor_rij(n) for n in names]
    reeksen = [Series(MONITOR_LABEL[c], [r[c] for r in rows]) for c in BESTENDIG]
    tabel = Table(
        caption=f"Bestendige oplossingen per pilot tot en met {fmt.datum(data.peildatum)}",
        kolommen=["Pilot"] + [MONITOR_LABEL[c] for c in BESTENDIG] + ["Totaal"],
        rijen=[(n, [count(r[c]) for c in BESTENDIG] + [count(r["bestendig_totaal"])]) for n, r in zip(names, rows)]
        + [("Totaal", [count(data.monitor_rij("totaal")[c]) for c in BESTENDIG]
            + [count(data.monitor_rij("totaal")["bestendig_totaal"])])],
        nadruk_laatste_rij=True,
    )
    beschrijving = "; ".join(
        f"{n}: {count(r['bestendig_totaal'])} ({', '.join(f'{MONITOR_LABEL[c].lower()} {count(r[c])}' for c in BESTENDIG)})"
        for n, r in zip(names, rows))
    s.add("grafiek", horizontal_bar_chart(
        "bestendig-per-pilot", f"Bestendige oplossingen per pilot, 1 april 2019 tot en met {fmt.datum(data.peildatum)}",
        names, reeksen, "Aantal verblijven", "Liggende gestapelde staven per pilot. " + beschrijving, tabel,
        kleur_start=2,
    ))
    serie = total_series(data)
    if serie:
        x = [r["peildatum"] for r in serie]
        reeksen = [
            Series("Totaal bestendig", [r["bestendig_totaal"] for r in serie], kleur=0, dik=True),
            Series("Bestendig verblijf", [r["bestendig_verblijf"] for r in serie], kleur=2),
            Series("Terugkeer", [r["terugkeer"] for r in serie], kleur=3),
            Series("Doormigratie", [r["doormigratie"] for r in serie], kleur=4),
        ]
        tabel = Table(
            caption="Bestendige oplossingen vanaf de start, opgeteld, per peildatum (alle pilots)",
            kolommen=["Peildatum"] + [r.naam for r in reeksen],
            rijen=[(fmt.datum(r["peildatum"]), [count(r["bestendig_totaal"]), count(r["bestendig_verblijf"]),
                                                  count(r["terugkeer"]), count(r["doormigratie"])]) for r in serie],
        )
        s.add("grafiek", line_chart(
            "bestendig-in-de-tijd", "Bestendige oplossingen vanaf de start, opgeteld (alle pilots)", x, reeksen,
            "Aantal (opgeteld)", f"Lijngrafiek van de eerste van elke maand tot {fmt.datum(data.peildatum)}. "
            f"Eindstand: totaal {count(serie[-1]['bestendig_totaal'])}.", tabel,
            toelichting="Stand op de eerste van elke maand, berekend met de nieuwste gegevens.",
        ))
    if data.vertreklanden:
        per_land: dict[str, dict[str, int]] = defaultdict(lambda: {"terugkeer": 0, "doormigratie": 0})
        for r in data.vertreklanden:
            per_land[r["land"]][r["categorie"]] += r["aantal"]
        ordered = sorted(per_land.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        top = ordered[:10]
        rest = ordered[10:]
        rijen = [(land, [count(v["terugkeer"]), count(v["doormigratie"]), count(sum(v.values()))]) for land, v in top]
        if rest:
            rt = sum(v["terugkeer"] for _, v in rest)
            rd = sum(v["doormigratie"] for _, v in rest)
            rijen.append((f"Overige {len(rest)} landen", [count(rt), count(rd), count(rt + rd)]))
        tt = sum(v["terugkeer"] for v in per_land.values())
        td = sum(v["doormigratie"] for v in per_land.values())
        rijen.append(("Totaal", [count(tt), count(td), count(tt + td)]))
        s.add("tabel", Table(
            caption="Terugkeer en doormigratie naar land van vertrek (bevestigd door de DT&V)",
            kolommen=["Land van bestemming", "Terugkeer", "Doormigratie", "Totaal"],
            rijen=rijen, nadruk_laatste_rij=True,
            voetnoot="De tien landen met de meeste vertrekken; bestemming volgens de DT&V.",
        ), id="tabel-vertreklanden")
    return s


def scenarios(data: ReportData) -> Section:
    s = Section("scenarios", "Begeleidingsscenario's en MRT")
    s.text(
        "In het lokaal samenwerkingsoverleg (LSO) stellen gemeente, ngo, IND en DT&V voor iedere "
        "persoon een begeleidingsscenario vast: gericht op vertrek of gericht op verblijf. Hier staan "
        "de personen die op de peildatum in de LVV verblijven, naar het laatst vastgestelde scenario "
        "van hun huidige verblijf."
    )
    cols = ("scenario_vertrek", "scenario_verblijf", "scenario_geen")
    names = [p.gemeente for p in data.pilots]
    rows = [data.monitor_rij(n) for n in names]
    tot = data.monitor_rij("totaal")
    reeksen = [Series(MONITOR_LABEL[c], [r[c] for r in rows]) for c in cols]
    tabel = Table(
        caption=f"Aanwezige personen naar scenario op {fmt.datum(data.peildatum)}",
        kolommen=["Pilot"] + [MONITOR_LABEL[c] for c in cols] + ["Aandeel vertrek", "Aandeel verblijf", "Besproken in MRT"],
        rijen=[(n if n != "totaal" else "Totaal", [count(r[c]) for c in cols] + [
            share(r["scenario_vertrek"], sum(r[c] for c in cols)),
            share(r["scenario_verblijf"], sum(r[c] for c in cols)),
            count(r["mrt_besproken"])])
            for n, r in list(zip(names, rows)) + [("totaal", tot)]],
        nadruk_laatste_rij=True,
    )
    s.add("grafiek", horizontal_bar_chart(
        "scenario-per-pilot", f"Aanwezige personen naar begeleidingsscenario op {fmt.datum(data.peildatum)}",
        names, reeksen, "Aantal personen",
        "Liggende gestapelde staven per pilot. " + "; ".join(
            f"{n}: vertrek {count(r['scenario_vertrek'])}, verblijf {count(r['scenario_verblijf'])}, "
            f"geen {count(r['scenario_geen'])}" for n, r in zip(names, rows)), tabel,
    ))
    serie = total_series(data)
    if serie:
        x = [r["peildatum"] for r in serie]
        reeksen = [Series(MONITOR_LABEL[c], [r[c] for r in serie]) for c in cols]
        reeksen.append(Series("Besproken in MRT (opgeteld)", [r["mrt_besproken"] for r in serie], kleur=5))
        tabel = Table(
            caption="Aanwezige personen naar scenario, en MRT-besprekingen, per peildatum (alle pilots)",
            kolommen=["Peildatum"] + [r.naam for r in reeksen],
            rijen=[(fmt.datum(r["peildatum"]), [count(r[c]) for c in cols] + [count(r["mrt_besproken"])]) for r in serie],
        )
        s.add("grafiek", line_chart(
            "scenario-in-de-tijd", "Aanwezige personen naar scenario in de tijd (alle pilots)", x, reeksen,
            "Aantal personen",
            "Lijngrafiek per maand van de aanwezigen per scenario en het aantal in het MRT besproken personen.",
            tabel, toelichting="Stand op de eerste van elke maand, berekend met de nieuwste gegevens.",
        ))
    return s
