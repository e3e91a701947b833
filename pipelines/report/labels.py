"""Dutch names and plain-language definitions of every figure in the report.

One place for the words, so the monitor table, the charts and the definitions at the end of
the report always say the same thing. The definitions follow `shared/contract/MONITOR.md`.
"""

from __future__ import annotations

from pipelines.pilots import pilot_names
from pipelines.reconciliation_window import fill_in

# The outflow categories of MONITOR.md (the code list of `fct_uitstroom.uitstroomcategorie`), as
# (column, short label, definition); the monitor counts each of them (its uitstroom columns).
_UITSTROOM_RIJEN: tuple[tuple[str, str, str], ...] = (
    ("bestendig_verblijf", "Bestendig verblijf",
     "De gemeente meldt een verblijfsvergunning én de IND heeft een aanvraag ingewilligd "
     "tussen de instroom en {reconciliatie_venster_dagen} dagen na de uitstroom."),
    ("terugkeer", "Terugkeer naar land van herkomst",
     "De DT&V heeft een aantoonbaar zelfstandig of gedwongen vertrek naar het land van "
     "herkomst geregistreerd tussen de instroom en {reconciliatie_venster_dagen} dagen na de uitstroom."),
    ("doormigratie", "Doormigratie naar derde land",
     "Als terugkeer, maar met een ander land dan het land van herkomst als bestemming."),
    ("asielaanvraag_azc", "Asielaanvraag, naar azc",
     "De persoon heeft een (herhaalde) asielaanvraag gedaan en is naar een azc van het COA "
     "gegaan. Dit is geen bestendige oplossing: de uitkomst van de procedure is nog open."),
    ("uitstel_art64", "Uitstel van vertrek (art. 64 Vw)",
     "Tijdelijk uitstel van vertrek om medische redenen op grond van artikel 64 "
     "Vreemdelingenwet 2000. Kan later nog tot een bestendige oplossing leiden."),
    ("mob", "Met onbekende bestemming (MOB)",
     "De persoon is vertrokken zonder dat bekend is waarheen, of de DT&V registreerde een "
     "vertrek dat niet aantoonbaar is."),
    ("terug_bbb", "Terug naar BBB",
     "De persoon is teruggegaan naar een Bed-Bad-Broodvoorziening."),
    ("gedwongen_beeindigd", "Verblijf gedwongen beëindigd",
     "De gemeente heeft het verblijf in de LVV beëindigd, bijvoorbeeld om gedrag of "
     "omdat de persoon niet meewerkte."),
    ("onbevestigd", "Onbevestigd",
     "De gemeente meldt een verblijfsvergunning, terugkeer of doormigratie, maar de IND of "
     "DT&V heeft (nog) geen passende beslissing of vertrek geregistreerd. Telt niet als "
     "bestendige oplossing zolang de bevestiging ontbreekt."),
    ("overig", "Overig",
     "Andere redenen, zoals detentie, overlijden of overplaatsing."),
)
UITSTROOMCATEGORIEEN: tuple[str, ...] = tuple(col for col, _, _ in _UITSTROOM_RIJEN)

# The columns of the monitor table, in MONITOR.md's order, grouped as the report shows them.
# (column, short label, definition). A definition names the reconciliation window as
# `{reconciliatie_venster_dagen}`: read it through `monitor_definitie`, which fills in the days.
MONITOR_GROEPEN: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Opvang", (
        ("capaciteit", "Capaciteit (plaatsen)",
         "Het aantal opvangplaatsen dat in het convenant met de gemeente is afgesproken."),
        ("ooit_opgevangen", "Ooit opgevangen",
         "Het aantal personen binnen de doelgroep dat vanaf de start op 1 april 2019 tot en met de "
         "peildatum in de LVV is ingestroomd. Iemand die vaker is opgevangen, telt één keer."),
        ("aanwezig", "Aanwezig op de peildatum",
         "Het aantal personen binnen de doelgroep dat op de peildatum in de LVV verblijft: "
         "ingestroomd op of vóór de peildatum en niet op of vóór de peildatum uitgestroomd."),
    )),
    ("Uitstroom naar categorie (verblijven, vanaf de start)", (
        *_UITSTROOM_RIJEN,
        ("bestendig_totaal", "Bestendige oplossingen (totaal)",
         "Bestendig verblijf + terugkeer + doormigratie: de oplossingen die het programma "
         "als bestendig telt."),
    )),
    ("Begeleiding (personen aanwezig op de peildatum)", (
        ("scenario_vertrek", "Scenario vertrek",
         "Aanwezige personen voor wie het lokaal samenwerkingsoverleg (LSO) als laatste een "
         "begeleidingsscenario gericht op vertrek heeft vastgesteld."),
        ("scenario_verblijf", "Scenario verblijf",
         "Aanwezige personen met als laatste een scenario gericht op verblijf in Nederland."),
        ("scenario_geen", "Nog geen scenario",
         "Aanwezige personen voor wie in het huidige verblijf nog geen scenario is vastgesteld."),
        ("mrt_besproken", "Besproken in MRT",
         "Personen binnen de doelgroep over wie het Multidisciplinair Review Team (MRT) op of "
         "vóór de peildatum een advies heeft gegeven."),
    )),
    ("Buiten de doelgroep", (
        ("buiten_doelgroep", "Opgevangen buiten de doelgroep",
         "Personen die zijn opgevangen terwijl ze bij de instroom niet tot de doelgroep van het "
         "convenant behoorden. Zij tellen in geen enkel ander cijfer mee."),
    )),
)

MONITOR_KOLOMMEN: tuple[str, ...] = tuple(col for _, rows in MONITOR_GROEPEN for col, _, _ in rows)
MONITOR_LABEL: dict[str, str] = {col: label for _, rows in MONITOR_GROEPEN for col, label, _ in rows}
_MONITOR_DEFINITIE: dict[str, str] = {col: text for _, rows in MONITOR_GROEPEN for col, _, text in rows}


def monitor_definitie(column: str) -> str:
    """The plain-language definition of a monitor column, naming the window of this run
    (pipelines/reconciliation_window.py), so the words match the figures."""
    return fill_in(_MONITOR_DEFINITIE[column])

UITSTROOMCATEGORIEEN: tuple[str, ...] = (
    "bestendig_verblijf", "terugkeer", "doormigratie", "asielaanvraag_azc", "uitstel_art64",
    "mob", "terug_bbb", "gedwongen_beeindigd", "onbevestigd", "overig",
)
BESTENDIG: tuple[str, ...] = ("bestendig_verblijf", "terugkeer", "doormigratie")

# The outflow chart per pilot groups the ten categories into seven, so a monthly bar stays
# readable; the monitor table keeps all ten.
UITSTROOM_GROEPEN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bestendig", "Bestendige oplossing", BESTENDIG),
    ("azc", "Asielaanvraag (azc)", ("asielaanvraag_azc",)),
    ("art64", "Uitstel art. 64", ("uitstel_art64",)),
    ("mob", "MOB", ("mob",)),
    ("bbb_gedwongen", "BBB of gedwongen beëindigd", ("terug_bbb", "gedwongen_beeindigd")),
    ("onbevestigd", "Onbevestigd", ("onbevestigd",)),
    ("overig", "Overig", ("overig",)),
)

BUITEN_DOELGROEP_REDEN: dict[str, str] = {
    "GEZIN": "Gezin met minderjarige kinderen (recht op Rijksopvang in gezinslocatie)",
    "EU_BURGER": "EU-burger",
    "INREISVERBOD_ZWAAR": "Zwaar inreisverbod (10 jaar of langer)",
    "ONGEWENSTVERKLARING": "Ongewenstverklaring",
    "DUBLINCLAIM": "Dublinclaim",
    "RIJKSOPVANG": "Asielprocedure loopt (recht op Rijksopvang)",
    "GEEN_REGIOBINDING": "Geen aantoonbare regiobinding",
}

# The conflict kinds of the reconciliation (int_uitstroom__conflicten), in plain Dutch.
AFWIJKING_UITSTROOM: dict[str, str] = {
    "verblijf_niet_bevestigd": "Verblijfsvergunning gemeld, geen inwilliging bij de IND",
    "vertrek_niet_bevestigd": "Terugkeer of doormigratie gemeld, geen vertrek bij de DT&V",
    "andere_bestemming": "DT&V registreerde een andere bestemming (herkomstland of derde land)",
    "vertrek_niet_aantoonbaar": "Terugkeer of doormigratie gemeld, volgens de DT&V niet aantoonbaar",
    "vertrek_wel_aantoonbaar": "Met onbekende bestemming gemeld, de DT&V registreerde een aantoonbaar vertrek",
    "asielaanvraag_niet_bevestigd": "Asielaanvraag gemeld, geen herhaalde asielaanvraag bij de IND",
    "art64_niet_bevestigd": "Uitstel art. 64 gemeld, geen inwilliging bij de IND",
    "niet_te_controleren": "Niet te controleren: verblijf niet gekoppeld aan de gegevens van IND en DT&V",
    "aanwezig_maar_vertrokken": "Nog aanwezig volgens de gemeente, de DT&V registreerde een vertrek",
}

ERNST_VOLGORDE: dict[str, int] = {"kritiek": 0, "hoog": 1, "fout": 1, "error": 1, "midden": 2,
                                  "waarschuwing": 2, "warning": 2, "laag": 3, "info": 4}

BESTAND_NAAM: dict[str, str] = {
    "verblijven": "Verblijven", "trajecten": "Trajecten (scenario's, MRT)", "procedures": "Procedures",
    "maatregelen": "Maatregelen", "vertrekzaken": "Vertrekzaken",
}

BRON_NAAM: dict[str, str] = {
    **pilot_names(), "ind": "IND", "dtv": "DT&V",  # pilots: seeds/pilots.csv
}


def reden_label(code: str) -> str:
    return BUITEN_DOELGROEP_REDEN.get(code, code.replace("_", " ").capitalize())


def afwijking_label(code: str) -> str:
    """The Dutch name of a kind of deviation (marts.fct_afwijkingen.soort).

    A target-group code is named as the monitor names it ("EU-burger", not the mechanical
    "Eu burger"); an upper-case code without a name here gets the expectation suites' title
    (what `lvv-monitor deviations` prints as `titel`); the rest reads fine as words."""
    if code in AFWIJKING_UITSTROOM:
        return AFWIJKING_UITSTROOM[code]
    if code in BUITEN_DOELGROEP_REDEN:
        return BUITEN_DOELGROEP_REDEN[code]
    if code.isupper():
        title = _suite_titles().get(code)
        if title:
            return title
    return code.replace("_", " ").capitalize()


def _suite_titles() -> dict[str, str]:
    try:
        from pipelines.expectations.suites import soorten

        return {soort: info.titel for soort, info in soorten().items()}
    except Exception:  # noqa: BLE001 - the report works without the suites' titles
        return {}


def bestand_label(bestand: str) -> str:
    return BESTAND_NAAM.get(bestand, bestand)


def bron_label(bron: str) -> str:
    return BRON_NAAM.get(bron, bron)
