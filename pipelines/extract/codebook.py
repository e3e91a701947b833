"""The codebook and the README of an evaluation extract (in Dutch: they are for the researcher)."""

from __future__ import annotations

from datetime import date

from pipelines.config import PUBLISHED_DB_NAME
from pipelines.extract.aggregates import CATEGORIES, MONITOR_COUNTS
from pipelines.extract.sdc import KAnonymityResult
from pipelines.pilots import pilot_bronnen

CATEGORY_CODES = ", ".join(CATEGORIES)
PILOT_CODES = ", ".join(pilot_bronnen())
MONITOR_MEANING = {
    "ooit_opgevangen": "unieke personen in de doelgroep met een verblijf dat op of voor de peildatum begon",
    "aanwezig": "unieke personen in de doelgroep met een verblijf dat op de peildatum nog liep",
    "bestendig_totaal": "bestendig_verblijf + terugkeer + doormigratie",
    "scenario_vertrek": "aanwezige personen met als laatste scenario op of voor de peildatum SCENARIO_VERTREK",
    "scenario_verblijf": "aanwezige personen met als laatste scenario op of voor de peildatum SCENARIO_VERBLIJF",
    "scenario_geen": "aanwezige personen zonder scenario-gebeurtenis in het lopende verblijf",
    "mrt_besproken": "unieke personen in de doelgroep met een MRT_ADVIES op of voor de peildatum",
    "buiten_doelgroep": "unieke personen buiten de doelgroep met een verblijf dat op of voor de peildatum begon",
}


def codebook_rows(result: KAnonymityResult, level_names: dict[str, str], k: int, min_cell: int) -> list[dict]:
    """One row per column of every table: tabel, kolom, type, betekenis, codes, bron, regel."""
    precision = {column: f"In dit extract: {name}." for column, name in level_names.items()}
    sdc = (f"Quasi-identificator: samen met de andere quasi-identificatoren gegeneraliseerd en zo nodig "
           f"leeg gemaakt zodat elke combinatie minstens {k} keer voorkomt (k-anonimiteit).")
    rows = [
        ("verblijven", "verblijf_pseudoniem", "VARCHAR",
         "Pseudoniem van het verblijf, alleen geldig binnen dit extract.", "16 hexadecimale tekens",
         "HMAC-SHA256 van marts.fct_instroom.verblijf_key",
         "Sleutel: een nieuw willekeurig zout per extract dat niet bewaard wordt; "
         "twee extracten zijn niet aan elkaar te koppelen."),
        ("verblijven", "persoon_pseudoniem", "VARCHAR",
         "Pseudoniem van de persoon (zelfde persoon = zelfde pseudoniem binnen dit extract).", "16 hexadecimale tekens",
         "HMAC-SHA256 van marts.dim_persoon.persoon_key", "Als verblijf_pseudoniem."),
        ("verblijven", "pilot", "VARCHAR", "De pilotgemeente van het verblijf.", PILOT_CODES,
         "marts.fct_monitor_verblijven.bron", sdc + " Alleen als allerlaatste stap leeg gemaakt, of vooraf bij "
         "de records van een onderdrukte personencel van monitor_peildatum (ooit_opgevangen, aanwezig, "
         "buiten_doelgroep)."),
        ("verblijven", "leeftijdsklasse", "VARCHAR", "Leeftijd bij instroom, in klassen.",
         "5 jaar: <18, 18-24, 25-29, 30-34, 35-39, 40-44, 45-49, 50-59, 60+; 4 klassen: <25, 25-34, 35-49, 50+; "
         "2 klassen: <35, 35+", "marts.fct_instroom.leeftijd_bij_instroom",
         sdc + " " + precision.get("leeftijdsklasse", "")),
        ("verblijven", "geslacht", "VARCHAR", "Geslacht zoals de gemeente het leverde.", "M, V, X",
         "marts.fct_instroom.geslacht", sdc),
        ("verblijven", "nationaliteitsgroep", "VARCHAR", "Nationaliteit, gegroepeerd.",
         "ISO 3166-1 alpha-3 (land met genoeg records), '<regio>, overig' (de kleine landen van een regio), "
         "een regio (VN-indeling, aangepast: o.a. Oost-Afrika, West-Afrika, Noord-Afrika, Midden-Oosten, "
         "Westelijke Balkan), of 'overig'", "marts.fct_instroom.nationaliteit",
         sdc + " Een land of regio met minder dan 10 records wordt altijd samengevoegd. "
         + precision.get("nationaliteitsgroep", "")),
        ("verblijven", "instroomperiode", "VARCHAR", "Begin van het verblijf (nooit een dag).",
         "JJJJ-MM, JJJJ-Kn (kwartaal) of JJJJ", "marts.fct_monitor_verblijven.instroomdatum",
         sdc + " " + precision.get("instroomperiode", "")),
        ("verblijven", "uitstroomperiode", "VARCHAR",
         "Einde van het verblijf, alleen als dat op of voor de peildatum lag. Leeg en uitstroomcategorie "
         "gevuld: uitgestroomd, periode onderdrukt. Leeg en geen uitstroomcategorie: nog aanwezig.",
         "JJJJ-MM, JJJJ-Kn of JJJJ", "marts.fct_monitor_verblijven.uitstroomdatum",
         sdc + " " + precision.get("uitstroomperiode", "")),
        ("verblijven", "uitstroomcategorie", "VARCHAR",
         "Gereconcilieerde uitstroomcategorie op de peildatum (MONITOR.md): de reden van de gemeente, "
         "bevestigd met IND- en DT&V-gegevens gedateerd op of voor de peildatum.", CATEGORY_CODES + ", onderdrukt",
         "marts.fct_monitor_verblijven.uitstroomreden + marts.fct_monitor_bewijs",
         "Leeg als het verblijf op de peildatum nog liep. Gevoelig kenmerk: niet gegeneraliseerd. "
         "onderdrukt: de cel pilot × uitstroomcategorie is in uitstroom_per_kwartaal onderdrukt, "
         "dus ook hier (anders is de cel uit de microdata na te tellen)."),
        ("verblijven", "scenario", "VARCHAR",
         "Begeleidingsscenario dat gold op de peildatum, of bij uitstroom als het verblijf eerder eindigde.",
         "vertrek, verblijf, geen, onderdrukt", "marts.fct_monitor_gebeurtenissen (laatste SCENARIO_*-gebeurtenis)",
         "geen: nog geen scenario vastgelegd. Gevoelig kenmerk: niet gegeneraliseerd. onderdrukt: het verblijf "
         "liep op de peildatum en de scenariocel van zijn pilot (of landelijk) is in monitor_peildatum onderdrukt."),
        ("verblijven", "eerdere_vertrekprocedures", "VARCHAR",
         "Aantal DT&V-vertrekzaken van de persoon die begonnen vóór de eerste instroom, in klassen.", "0, 1, 2+",
         "marts.dim_persoon.eerdere_vertrekprocedures",
         "Leeg als de persoon niet aan de landelijke gegevens gekoppeld is (dan is het onbekend)."),
        ("verblijven", "dagen_in_lvv_klasse", "VARCHAR",
         "Duur van het verblijf in dagen tot de uitstroom, of tot de peildatum als het nog liep, in klassen.",
         "6 klassen: 0-30, 31-90, 91-180, 181-365, 366-730, 731+; 3 klassen: 0-90, 91-365, 366+; "
         "2 klassen: 0-365, 366+", "instroomdatum en uitstroomdatum (of peildatum)",
         "Volgt ongeveer uit de twee perioden en telt daarom mee als quasi-identificator. "
         + precision.get("dagen_in_lvv_klasse", "")),
        ("verblijven", "in_doelgroep", "BOOLEAN",
         "Hoort het verblijf bij de doelgroep van de monitor (MONITOR.md: niet GEZIN, EU_BURGER, zware "
         "maatregel, Dublinclaim, rijksopvang of geen regiobinding)?", "true, false",
         "marts.fct_monitor_verblijven.in_doelgroep",
         "De monitorcijfers tellen alleen in_doelgroep = true. " + sdc
         + " Leeg: onderdrukt (het verblijf kan in of buiten de doelgroep vallen)."),
    ]
    for column in ["peildatum", "gemeente", "capaciteit", *MONITOR_COUNTS]:
        if column == "peildatum":
            meaning, kind = "De peildatum van het extract.", "DATE"
        elif column == "gemeente":
            meaning, kind = "Pilotgemeente, of 'totaal' (landelijk: een persoon telt één keer).", "VARCHAR"
        elif column == "capaciteit":
            meaning, kind = "Afgesproken aantal plaatsen (referentiegegeven, geen telling).", "INTEGER"
        elif column in CATEGORIES:
            meaning, kind = f"Verblijven in de doelgroep die op of voor de peildatum eindigden met categorie {column}.", "BIGINT"
        else:
            meaning, kind = MONITOR_MEANING.get(column, column) + ".", "BIGINT"
        rule = ("" if column in ("peildatum", "gemeente", "capaciteit") else
                f"Cel onder {min_cell} (ook 0) onderdrukt (leeg), plus aanvullende onderdrukking; zie onderdrukte_cellen.")
        rows.append(("monitor_peildatum", column, kind, meaning, "", "marts.monitor_op(peildatum, false)", rule))
    for table, extra in (("instroom_per_kwartaal", []), ("uitstroom_per_kwartaal", ["uitstroomcategorie"])):
        rows.append((table, "peildatum", "DATE", "De peildatum van het extract.", "", "", ""))
        rows.append((table, "pilot", "VARCHAR", "Pilot, of 'totaal'.", PILOT_CODES + ", totaal",
                     "marts.fct_monitor_verblijven.bron", ""))
        rows.append((table, "kwartaal", "VARCHAR",
                     "Kwartaal van " + ("instroom" if table.startswith("instroom") else "uitstroom")
                     + ", of 'totaal'. Het laatste kwartaal loopt tot en met de peildatum.", "JJJJ-Kn, totaal", "", ""))
        if extra:
            rows.append((table, "uitstroomcategorie", "VARCHAR",
                         "Gereconcilieerde uitstroomcategorie op de peildatum, of 'totaal'.",
                         CATEGORY_CODES + ", totaal", "als verblijven.uitstroomcategorie", ""))
        rows.append((table, "aantal_verblijven", "BIGINT",
                     "Aantal verblijven in de doelgroep" + (" dat begon." if table.startswith("instroom") else " dat eindigde."),
                     "", "marts.fct_monitor_verblijven",
                     f"Leeg = onderdrukt: onder {min_cell} (ook 0), of aanvullend onderdrukt zodat een onderdrukte cel "
                     "niet uit de totalen terug te rekenen is."))
        rows.append((table, "onderdrukt", "VARCHAR", "Waarom de cel leeg is.",
                     "primair (onder de drempel), secundair (aanvullend), leeg", "", ""))
    for column, meaning in (("tabel", "De tabel met de onderdrukte cel."), ("rij", "Gemeente of pilot (of totaal)."),
                            ("kwartaal", "Het kwartaal (of totaal); leeg in monitor_peildatum."),
                            ("kolom", "De kolom of uitstroomcategorie."), ("soort", "primair of secundair.")):
        rows.append(("onderdrukte_cellen", column, "VARCHAR", meaning, "", "", ""))
    for column, kind, meaning in (
        ("stap", "BIGINT", "Volgnummer van de stap."),
        ("soort", "VARCHAR", "generalisatie, onderdrukking of verwijdering."),
        ("kenmerk", "VARCHAR", "De quasi-identificator (of 'alle')."),
        ("van", "VARCHAR", "Precisie vóór de stap."),
        ("naar", "VARCHAR", "Precisie na de stap ('leeg': onderdrukt)."),
        ("records_gewijzigd", "BIGINT", "Records waarbij deze stap iets veranderde."),
        ("cellen_gewijzigd", "BIGINT", "Cellen die gegeneraliseerd of leeg gemaakt werden."),
        ("records_in_overtreding_na", "BIGINT", f"Records die na de stap nog in een groep kleiner dan {k} zaten."),
        ("beschrijving", "VARCHAR", "De stap in woorden."),
    ):
        rows.append(("sdc_rapport", column, kind, meaning, "", "", ""))
    for column, meaning in (("tabel", "Tabel."), ("kolom", "Kolom."), ("type", "Gegevenstype (DuckDB)."),
                            ("betekenis", "Wat de kolom betekent."), ("codes", "Mogelijke waarden."),
                            ("bron", "Waar de waarde vandaan komt in het gepubliceerde bestand."),
                            ("regel", "Hoe de waarde is afgeleid of beschermd.")):
        rows.append(("codeboek", column, "VARCHAR", meaning, "", "", ""))
    # Empty text is a missing value (so the CSV and the Parquet file say the same).
    return [dict(zip(["tabel", "kolom", "type", "betekenis", "codes", "bron", "regel"],
                     [(value.strip() or None) if isinstance(value, str) else value for value in row])) for row in rows]


def codebook_markdown(rows: list[dict]) -> str:
    parts = ["# Codeboek", "", "Elke kolom van elke tabel van dit extract. Ook als `codeboek.csv` / `codeboek.parquet`.", ""]
    table = None
    for row in rows:
        if row["tabel"] != table:
            table = row["tabel"]
            parts += ["", f"## `{table}`", "", "| kolom | type | betekenis | codes | bron | regel |", "|---|---|---|---|---|---|"]
        cells = [f"`{row['kolom']}`", row["type"], row["betekenis"], row["codes"] or "", row["bron"] or "",
                 row["regel"] or ""]
        parts.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(parts) + "\n"


def readme(
    *, peildatum: date, is_demo: bool, k: int, min_cell: int, records_in: int, records_out: int,
    level_names: dict[str, str], steps_text: list[str], primary: int, secondary: int, files: list[str],
    published_at: str, code_version: str,
) -> str:
    demo = (
        "> **DEMO.** Dit extract is gemaakt uit synthetische demo-gegevens met de zichtbare demo-sleutel. "
        "Het beschrijft geen echte personen en is niet voor onderzoek.\n\n" if is_demo else ""
    )
    levels = "\n".join(f"- `{column}`: {name}" for column, name in level_names.items())
    steps = "\n".join(f"{i}. {text}" for i, text in enumerate(steps_text, start=1)) or "Geen: alles voldeed al."
    listing = "\n".join(f"- `{name}`" for name in files)
    return f"""# Evaluatie-extract landelijke monitor LVV, peildatum {peildatum.isoformat()}

{demo}Dit pakket is gemaakt voor de evaluatie van de Landelijke Vreemdelingenvoorzieningen (LVV).
Het komt uit het gepubliceerde monitorbestand (`{PUBLISHED_DB_NAME}`, gepubliceerd {published_at},
code {code_version}) en bevat geen v-nummers, klantnummers, geboortedata of vrije tekst.

## Wat erin zit

Elke tabel staat er twee keer in: als Parquet (met gegevenstypen) en als CSV (UTF-8, komma,
kopregel; een lege cel is een ontbrekende waarde).

| tabel | wat |
|---|---|
| `verblijven` | microdata: één rij per verblijf dat op of voor de peildatum begon ({records_out} rijen) |
| `monitor_peildatum` | de monitortabel op de peildatum, per pilot en `totaal` |
| `instroom_per_kwartaal` | verblijven in de doelgroep die begonnen, per pilot × kwartaal, met totalen |
| `uitstroom_per_kwartaal` | verblijven in de doelgroep die eindigden, per pilot × kwartaal × uitstroomcategorie, met totalen |
| `onderdrukte_cellen` | welke cellen van de drie tabellen hierboven leeg zijn, en waarom |
| `sdc_rapport` | wat de bescherming van de microdata veranderde, stap voor stap |
| `codeboek` | elke kolom: betekenis, type, codes, bron en regel (ook als `CODEBOOK.md`) |

`manifest.json` noemt van elk bestand de sha256, en de parameters, de codeversie en de
leveringen waaruit het gepubliceerde bestand gebouwd is. Controle: `sha256sum` van een bestand
moet gelijk zijn aan de waarde in het manifest.

Alle cijfers gaan uit van de **nieuwste stand** van de gegevens (de nieuwste levering van elk
bestand, correcties inbegrepen), met alleen gebeurtenissen en landelijke registraties gedateerd
op of voor de peildatum. Dat is hetzelfde als `marts.monitor_op(peildatum, false)`.

## Pseudoniemen

`verblijf_pseudoniem` en `persoon_pseudoniem` zijn alleen binnen dit extract geldig: ze zijn
gemaakt met een willekeurig zout dat na het maken is weggegooid. Ze zijn niet te koppelen aan
een ander extract, noch aan de sleutels in het gepubliceerde monitorbestand. Verblijven van
dezelfde persoon hebben hetzelfde persoon_pseudoniem.

## Bescherming van de microdata (k-anonimiteit, k = {k})

Quasi-identificatoren (wat een buitenstaander van iemand kan weten): pilot, leeftijdsklasse,
geslacht, nationaliteitsgroep, instroomperiode, uitstroomperiode, dagen_in_lvv_klasse en
in_doelgroep (dat volgt uit zichtbare feiten: een gezin, een EU-nationaliteit, een lopende
asielaanvraag, een maatregel).
Elke combinatie van hun waarden komt minstens {k} keer voor. Eerst is er gegeneraliseerd (voor
alle records dezelfde precisie), daarna zijn bij de records die dan nog te herkenbaar waren
kenmerken leeg gemaakt, en pas als laatste zouden records weggelaten worden.

Precisie per kenmerk in dit extract:

{levels}

Stappen ({records_in} records in, {records_out} uit):

{steps}

Een lege uitstroomperiode met een gevulde uitstroomcategorie betekent: uitgestroomd, periode
onderdrukt. Een lege pilot, leeftijdsklasse, in_doelgroep enz. bij enkele records betekent:
onderdrukt. Uitstroomcategorie, scenario en eerdere_vertrekprocedures zijn de gevoelige
kenmerken: die zijn niet gegeneraliseerd, alleen `onderdrukt` waar de tabellen de cel onderdrukken.
De pilot is ook leeg bij de records van een onderdrukte personencel van de monitortabel
(ooit_opgevangen, aanwezig of buiten_doelgroep van hun pilot).

## Bescherming van de tabellen

Een cel met minder dan {min_cell} verblijven of personen (ook 0) is leeg ({primary} cellen,
"primair"). Daarna zijn er {secondary} cellen extra leeg gemaakt ("secundair"), zodat geen lege
cel terug te rekenen is uit de totalen van rijen, kolommen en de verbanden tussen kolommen
(bijvoorbeeld bestendig_totaal = bestendig_verblijf + terugkeer + doormigratie). De tabellen
zijn samen beschermd: de uitstroomtotalen per pilot zijn dezelfde cellen als de uitstroomkolommen
van de monitortabel.

De tabellen en de microdata zijn samen beschermd: geen onderdrukte cel is exact terug te vinden,
niet uit de tabellen (ook niet met de regel "onderdrukt betekent 1 t/m 9") en niet door de
microdata na te tellen (gecontroleerd met een exacte intervalaudit, lineair programmeren).
Binnen grenzen blijven ze wel te schatten: publiceer daarom alleen tabellen uit dit pakket zoals
ze zijn, of pas op eigen tabellen dezelfde regels toe (geen cel onder {min_cell}, met aanvullende
onderdrukking).

## Gebruik

Het extract is bedoeld voor de onderzoekers van de evaluatie, onder de afspraken daarover. Koppel
het niet aan andere gegevens over personen, probeer niemand te herkennen, en bewaar het niet
langer dan het onderzoek het nodig heeft.

## Bestanden

{listing}
"""
