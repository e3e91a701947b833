"""What the figures mean and where they come from: the definitions at the end of the report."""

from __future__ import annotations

from pipelines.pilots import pilot_names
from pipelines.reconciliation_window import window_days
from pipelines.report import fmt
from pipelines.report.charts import Table
from pipelines.report.data import ReportData
from pipelines.report.document import Section, TextCell, count
from pipelines.report.labels import (
    MONITOR_KOLOMMEN,
    MONITOR_LABEL,
    bestand_label,
    bron_label,
    monitor_definitie,
)


def definities(data: ReportData) -> Section:
    s = Section("definities", "Definities en bronnen")
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
        s.add("tabel", Table(
            caption=f"Leveringen tot en met {fmt.datum(data.peildatum)} waarop dit rapport rust",
            kolommen=["Bron", "Bestand", "Aantal leveringen", "Eerste peildatum", "Laatste peildatum",
                      "Rijen in laatste levering"],
            rijen=[(bron_label(r["bron"]), [TextCell(bestand_label(r["bestand"])), count(r["leveringen"]),
                    fmt.datum(r["eerste"]) if r["eerste"] else "–",
                    fmt.datum(r["laatste_peildatum"]) if r["laatste_peildatum"] else "–",
                    count(r["rijen_laatste"])]) for r in rows],
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
