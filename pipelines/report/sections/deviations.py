"""Who was taken in outside the target group, outflows the national records contradict, and the
deviations of the convenant and the deliveries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pipelines.report import fmt
from pipelines.report.charts import Series, Table, horizontal_bar_chart
from pipelines.report.data import ReportData
from pipelines.report.document import Section, TextCell, count
from pipelines.report.labels import (
    ERNST_VOLGORDE,
    afwijking_label,
    bron_label,
    reden_label,
)


def afwijkingen(data: ReportData) -> Section:
    s = Section("afwijkingen", "Buiten de doelgroep en andere afwijkingen")
    s.text(
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
        reeksen = [Series(reden_label(rd) if len(reden_label(rd)) < 34 else rd.replace("_", " ").capitalize(),
                         [per[rd][p.bron] for p in data.pilots]) for rd in redenen]
        tabel = Table(
            caption=f"Personen opgevangen buiten de doelgroep, per reden en pilot, tot en met {fmt.datum(data.peildatum)}",
            kolommen=["Reden"] + names + ["Som pilots"],
            rijen=[(reden_label(rd), [count(per[rd][p.bron]) for p in data.pilots] + [count(sum(per[rd].values()))])
                   for rd in redenen]
            + [("Buiten doelgroep (monitor, personen)", [count(data.monitor_rij(n)["buiten_doelgroep"]) for n in names]
                + [count(data.monitor_rij("totaal")["buiten_doelgroep"])])],
            nadruk_laatste_rij=True,
            voetnoot="Eén persoon kan om meer redenen buiten de doelgroep vallen; de laatste regel telt iedere persoon één keer "
                     "(in de laatste kolom landelijk).",
        )
        s.add("grafiek", horizontal_bar_chart(
            "buiten-doelgroep", "Buiten de doelgroep opgevangen, per pilot en reden", names, reeksen,
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
        s.text("Beëindigde verblijven waarvan de uitstroomreden die de gemeente meldde niet overeenkomt met "
                "wat de IND of de DT&V registreerde. De monitor telt zo'n verblijf volgens de regels in de "
                "definities (een niet bevestigde oplossing als ‘onbevestigd’); de pilot kan de gevallen in "
                "het LSO nagaan.")
        s.add("tabel", Table(
            caption=f"Afwijkingen in de uitstroom per pilot, tot en met {fmt.datum(data.peildatum)} (verblijven)",
            kolommen=["Soort afwijking"] + names + ["Totaal"],
            rijen=[(afwijking_label(a), [count(tel.get((p.bron, a), 0)) for p in data.pilots]
                    + [count(sum(tel.get((p.bron, a), 0) for p in data.pilots))]) for a in soorten],
        ), id="tabel-afwijkingen-uitstroom")
    else:
        s.text("Er zijn geen verblijven met een afwijking tussen de melding van de gemeente en de registratie "
                "van de IND of de DT&V.")

    s.add("kop", "Afwijkingen van convenant en aanlevering", id="afwijkingen-overig")
    if data.afwijkingen is None:
        s.add("melding", "Nog niet beschikbaar: het overzicht van afwijkingen (convenant en kwaliteit van de "
                         "leveringen) staat nog niet in het gepubliceerde bestand van de monitor.")
    elif not data.afwijkingen:
        s.text("Er zijn op de peildatum geen afwijkingen geregistreerd.")
    else:
        rows = sorted(data.afwijkingen, key=lambda r: (
            [p.bron for p in data.pilots].index(r["bron"]) if r["bron"] in bron_naar_naam else 99,
            str(r["bron"]), ERNST_VOLGORDE.get(str(r["ernst"]).lower(), 9), str(r["soort"])))
        s.text("Afwijkingen die de controles op de leveringen en op het convenant vonden, geteld per bron, "
                "soort en ernst. ‘Sinds’ is de vroegste datum waarop een afwijking van die soort bestond. "
                "Dit rapport noemt geen personen; de pilot vindt de gevallen in zijn eigen overzicht.")
        s.add("tabel", Table(
            caption=f"Afwijkingen per bron op {fmt.datum(data.peildatum)}",
            kolommen=["Bron", "Soort", "Ernst", "Aantal", "Sinds"],
            rijen=[(bron_naar_naam.get(r["bron"], bron_label(str(r["bron"]))),
                    [TextCell(afwijking_label(str(r["soort"]))), TextCell(str(r["ernst"] or "–")), count(r["aantal"]),
                     fmt.datum(r["oudste"]) if isinstance(r["oudste"], date) else "–"]) for r in rows],
        ), id="tabel-afwijkingen")
    return s
