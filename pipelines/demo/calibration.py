"""What the demo population must reproduce, and the plan that makes it do so.

The figures are those of the letter of 17 November 2020 (`shared/context/`), at peildatum
1 November 2020, per pilot in the order of FEEDS.md. The generator does not sample towards
them: it builds exactly the listed number of stays of every kind (see `population.py`), and
randomness only decides dates, demographics and which stay gets which role. Everything here
is data; nothing is computed.
"""

from __future__ import annotations

from datetime import date

from pipelines.pilots import pilot_bronnen, pilot_capacities

PILOTS: tuple[str, ...] = pilot_bronnen()  # seeds/pilots.csv, in the contract's order
NATIONAL_SOURCES: tuple[str, ...] = ("ind", "dtv")
BRONNEN: tuple[str, ...] = (*PILOTS, *NATIONAL_SOURCES)

CAPACITEIT: dict[str, int] = pilot_capacities()

PROGRAMME_START = date(2019, 4, 1)
PEILDATUM = date(2020, 11, 1)  # the letter's peildatum
PEILDATA: tuple[date, ...] = (
    date(2019, 7, 1), date(2019, 10, 1), date(2020, 1, 1), date(2020, 4, 1),
    date(2020, 7, 1), date(2020, 11, 1), date(2021, 2, 1),
)
LAST_PEILDATUM = PEILDATA[-1]
# Nothing in the model is dated on or after the last peildatum: every record is in its file.
LAST_DAY = date(2021, 1, 31)
# Snapshots that may carry a value a later delivery corrects.
CORRECTABLE_PEILDATA: tuple[date, ...] = (date(2020, 1, 1), date(2020, 4, 1), date(2020, 7, 1))

OUTFLOW_CATEGORIES: tuple[str, ...] = (
    "bestendig_verblijf", "terugkeer", "doormigratie", "asielaanvraag_azc", "uitstel_art64",
    "mob", "terug_bbb", "gedwongen_beeindigd", "onbevestigd", "overig",
)

# The monitor at PEILDATUM, per pilot (PILOTS order). totaal = the sum: no in-scope person is in
# two pilots, and the one out-of-scope person in two pilots has the second stay after PEILDATUM.
TARGET: dict[str, tuple[int, int, int, int, int]] = {
    "capaciteit": (360, 117, 235, 300, 130),
    "ooit_opgevangen": (427, 203, 273, 302, 105),
    "aanwezig": (280, 95, 165, 170, 61),
    "bestendig_verblijf": (14, 5, 12, 10, 5),
    "terugkeer": (2, 26, 5, 20, 0),
    "doormigratie": (0, 4, 1, 3, 0),
    "asielaanvraag_azc": (50, 25, 34, 40, 15),
    "uitstel_art64": (8, 3, 6, 5, 3),
    "mob": (30, 15, 20, 22, 8),
    "terug_bbb": (0, 2, 3, 0, 2),
    "gedwongen_beeindigd": (25, 18, 15, 20, 6),
    "onbevestigd": (6, 4, 4, 4, 2),
    "overig": (12, 6, 8, 8, 3),
    "scenario_vertrek": (75, 36, 10, 98, 17),
    "scenario_verblijf": (110, 20, 60, 30, 15),
    "scenario_geen": (95, 39, 95, 42, 29),
    "mrt_besproken": (3, 2, 2, 2, 1),
    "buiten_doelgroep": (8, 6, 30, 9, 7),
}
FIGURES: tuple[str, ...] = tuple(TARGET)


def target_row(figure: str) -> dict[str, int]:
    values = dict(zip(PILOTS, TARGET[figure]))
    return {**values, "totaal": sum(TARGET[figure])}


# In-scope persons whose stay starts after PEILDATUM (only in the last delivery).
NA_PEILDATUM: dict[str, int] = {"amsterdam": 12, "rotterdam": 5, "utrecht": 8, "groningen": 10, "eindhoven": 5}

# Share of the stays (started on or before PEILDATUM) that came over from a BBB in April-June 2019.
BBB_SHARE: dict[str, float] = {"amsterdam": 0.40, "rotterdam": 0.30, "utrecht": 0.45, "groningen": 0.40, "eindhoven": 0.12}

# ---------------------------------------------------------------------------------------------
# How each ended in-scope stay gets its outflow category. Every category has a default
# arrangement of municipal reason + national records; the variants below are the special cases
# the reconciliation of MONITOR.md must resolve. The rest of a category's stays use the default.
#
#   bv_u30            VERBLIJFSVERGUNNING, inwilliging exactly at uitstroom + 30 days (counts)
#   bv_na_uitstroom   VERBLIJFSVERGUNNING, inwilliging 5-25 days after uitstroom
#   tk_u30            TERUGKEER, departure exactly at uitstroom + 30 days (counts)
#   tk_correctie_mob  TERUGKEER; the deliveries of 2020-01-01 and 2020-04-01 said MOB
#   tk_gemeente_mob   municipality says MOB, DT&V has a demonstrable departure -> terugkeer
#   tk_twee_vertrekken two departures in the window: MOB first, then demonstrable (latest decides)
#   tk_laat_geregistreerd  departure in Q1 2020, missing from the DT&V delivery of 2020-04-01
#   dm_tk             municipality says TERUGKEER, DT&V says DERDE_LAND -> doormigratie
#   azc_geen          ASIELAANVRAAG without any ASIEL_HERHAALD aanvraag (a deviation)
#   azc_laat          ASIELAANVRAAG, ASIEL_HERHAALD aanvraag at uitstroom + 40 (a deviation)
#   art64_afgewezen / art64_lopend / art64_geen   UITSTEL_VERTREK_ART64 without inwilliging
#   mob_zna           MOB, DT&V ZELFSTANDIG_NIET_AANTOONBAAR in the window
#   mob_tk_zna        municipality says TERUGKEER, DT&V ZELFSTANDIG_NIET_AANTOONBAAR -> mob
#   vv_laat           VERBLIJFSVERGUNNING, inwilliging at uitstroom + 45 -> onbevestigd
#   vv_geen           VERBLIJFSVERGUNNING, no procedure after instroom -> onbevestigd
#   vv_art64          VERBLIJFSVERGUNNING, only a MEDISCH_ART64 inwilliging -> onbevestigd
#   vv_afgewezen      VERBLIJFSVERGUNNING, REGULIER afgewezen in the window -> onbevestigd
#   tk_geen           TERUGKEER, no departure -> onbevestigd
#   tk_u31            TERUGKEER, departure at uitstroom + 31 -> onbevestigd
#   tk_na_peildatum   TERUGKEER late October 2020, departure in November -> onbevestigd at PEILDATUM
#   tk_voor_instroom  TERUGKEER, the only departure lies before instroom -> onbevestigd
#   dm_geen           DOORMIGRATIE, no departure -> onbevestigd
#   laat_uitgeschreven GEDWONGEN_BEEINDIGD in Q1 2020, missing from the delivery of 2020-04-01
# ---------------------------------------------------------------------------------------------
VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "amsterdam": {
        "bestendig_verblijf": ("bv_u30",),
        "asielaanvraag_azc": ("azc_geen", "azc_laat"),
        "uitstel_art64": ("art64_afgewezen",),
        "mob": ("mob_zna", "mob_zna", "mob_zna"),
        "gedwongen_beeindigd": ("laat_uitgeschreven",),
        "onbevestigd": ("vv_laat", "tk_geen", "tk_u31", "vv_art64", "dm_geen", "tk_voor_instroom"),
    },
    "rotterdam": {
        "terugkeer": ("tk_u30", "tk_correctie_mob"),
        "doormigratie": ("dm_tk",),
        "asielaanvraag_azc": ("azc_geen",),
        "mob": ("mob_zna", "mob_zna", "mob_zna", "mob_tk_zna"),
        "onbevestigd": ("tk_geen", "vv_laat", "tk_na_peildatum", "vv_afgewezen"),
    },
    "utrecht": {
        "bestendig_verblijf": ("bv_na_uitstroom",),
        "asielaanvraag_azc": ("azc_laat",),
        "uitstel_art64": ("art64_lopend",),
        "mob": ("mob_zna", "mob_zna"),
        "onbevestigd": ("vv_geen", "tk_geen", "vv_laat", "tk_u31"),
    },
    "groningen": {
        "terugkeer": ("tk_gemeente_mob", "tk_twee_vertrekken", "tk_laat_geregistreerd"),
        "doormigratie": ("dm_tk",),
        "asielaanvraag_azc": ("azc_geen",),
        "uitstel_art64": ("art64_geen",),
        "mob": ("mob_zna", "mob_zna", "mob_zna", "mob_tk_zna"),
        "onbevestigd": ("tk_geen", "vv_laat", "tk_na_peildatum", "dm_geen"),
    },
    "eindhoven": {
        "asielaanvraag_azc": ("azc_geen",),
        "mob": ("mob_zna",),
        "onbevestigd": ("vv_geen", "tk_geen"),
    },
}

# Destination countries of the counted departures. terugkeer: land = the person's nationality.
# Over all pilots the most frequent are ARM 7, CHN 5, NGA 4; every other country at most 3.
TERUGKEER_LANDEN: dict[str, tuple[str, ...]] = {
    "amsterdam": ("IRQ", "UKR"),
    "rotterdam": ("MAR", "MAR", "MAR", "DZA", "DZA", "DZA", "ALB", "ALB", "ALB", "GEO", "GEO", "GEO",
                  "TUN", "TUN", "SRB", "SRB", "ARM", "ARM", "ARM", "CHN", "CHN", "NGA", "UKR", "UKR",
                  "EGY", "EGY"),
    "utrecht": ("NGA", "PAK", "PAK", "IND", "IND"),
    "groningen": ("ARM", "ARM", "ARM", "ARM", "CHN", "CHN", "CHN", "NGA", "NGA", "MNG", "MNG", "MNG",
                  "RUS", "RUS", "RUS", "AZE", "AZE", "IRQ", "IRQ", "GHA"),
    "eindhoven": (),
}
DOORMIGRATIE_LANDEN: dict[str, tuple[str, ...]] = {
    "amsterdam": (), "rotterdam": ("DEU", "FRA", "CAN", "GBR"), "utrecht": ("ITA",),
    "groningen": ("ESP", "SWE", "BEL"), "eindhoven": (),
}
# Departures that do not count at PEILDATUM, each to a country of its own.
NIET_GETELD_LAND: dict[tuple[str, str], str] = {
    ("amsterdam", "tk_u31"): "SEN", ("utrecht", "tk_u31"): "LKA",
    ("rotterdam", "tk_na_peildatum"): "BIH", ("groningen", "tk_na_peildatum"): "MKD",
    ("amsterdam", "tk_voor_instroom"): "CMR",
}

# Out-of-scope persons with a stay started on or before PEILDATUM, by reason. `+` joins two
# reasons of one stay. EU_BURGER_TWEE_PILOTS: an EU citizen with a stay in Eindhoven and, after
# PEILDATUM, one in Utrecht (same v_nummer). DUBLINCLAIM_OP_INSTROOM: the claim starts on the
# instroomdatum itself (on or before: in force).
BUITEN_DOELGROEP: dict[str, tuple[str, ...]] = {
    "amsterdam": ("EU_BURGER", "EU_BURGER", "INREISVERBOD_ZWAAR", "INREISVERBOD_ZWAAR", "DUBLINCLAIM",
                  "RIJKSOPVANG", "ONGEWENSTVERKLARING", "GEEN_REGIOBINDING"),
    "rotterdam": ("EU_BURGER", "INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM", "RIJKSOPVANG",
                  "GEEN_REGIOBINDING"),
    "utrecht": ("GEZIN",) * 24 + ("EU_BURGER", "INREISVERBOD_ZWAAR", "DUBLINCLAIM", "RIJKSOPVANG",
                                  "GEEN_REGIOBINDING", "ONGEWENSTVERKLARING"),
    "groningen": ("EU_BURGER", "EU_BURGER+GEEN_REGIOBINDING", "INREISVERBOD_ZWAAR", "INREISVERBOD_ZWAAR",
                  "ONGEWENSTVERKLARING", "DUBLINCLAIM", "DUBLINCLAIM_OP_INSTROOM", "RIJKSOPVANG",
                  "GEEN_REGIOBINDING"),
    "eindhoven": ("EU_BURGER_TWEE_PILOTS", "EU_BURGER", "INREISVERBOD_ZWAAR", "DUBLINCLAIM", "RIJKSOPVANG",
                  "GEEN_REGIOBINDING", "ONGEWENSTVERKLARING"),
}
GEZIN_AANWEZIG = 20  # of Utrecht's 24 families, this many are still present at PEILDATUM

# In-scope persons whose national records test the target-group rules without taking them
# out of scope (one of each per listed pilot, chosen among the present persons).
RANDGEVALLEN: dict[str, tuple[str, ...]] = {
    "amsterdam": ("maatregel_verlopen", "asiel_beslist_op_instroom"),
    "rotterdam": ("maatregel_eindigt_op_instroom",),
    "utrecht": ("maatregel_na_instroom",),
    "groningen": ("maatregel_verlopen",),
    "eindhoven": ("maatregel_na_instroom",),
}

# MRT: persons with MRT_AANGEMELD then MRT_ADVIES on or before PEILDATUM (count = TARGET);
# `ended` of them have left since; `only_aangemeld` more were referred without advice yet.
MRT_ENDED: dict[str, int] = {"groningen": 1}
MRT_ONLY_AANGEMELD: dict[str, int] = {"amsterdam": 1, "rotterdam": 1, "groningen": 1}

# Linkage situations (FEEDS.md, last section), per replica of the population.
LINK_EMPTY_SHARE = 0.05   # empty v_nummer, demographics unique nationally -> step 2
LINK_TYPO_SHARE = 0.02    # mistyped v_nummer that exists nowhere -> step 2
LINK_TYPO_OTHER = 2       # mistyped into another national person's v_nummer -> step 2
LINK_DEMO_DIFFERS = 8     # right v_nummer, one demographic differs -> step 1
LINK_SPLINK = 2           # mistyped v_nummer and day/month of the birth date swapped -> step 3 (Splink)
LINK_AMBIGUOUS: dict[str, int] = {"amsterdam": 2, "rotterdam": 1, "utrecht": 1, "groningen": 1, "eindhoven": 1}
NATIONAL_ONLY_PER_LVV = 2

EU_2020: frozenset[str] = frozenset(
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT ROU SVK SVN SWE".split()
)
SAFE_COUNTRIES = frozenset("ALB BIH DZA GEO GHA IND MAR MKD MNE MNG SEN SRB TGO TUN UKR XKX".split())

# Nationalities of the in-scope population (relative weights). Rotterdam and Eindhoven have
# more persons from safe countries of origin (the letter: about 20% in Rotterdam).
BASE_NATIONALITIES: dict[str, float] = {
    "ERI": 15, "IRN": 10, "NGA": 8.5, "GIN": 7.5, "AFG": 4.5, "IRQ": 4, "SOM": 4, "ETH": 3.5, "SDN": 3,
    "MAR": 3, "DZA": 3, "SLE": 2.5, "XXX": 2.5, "LBY": 2, "LBR": 2, "GMB": 2, "CMR": 2, "COD": 2,
    "UGA": 2, "SYR": 1.5, "EGY": 1.5, "GHA": 1.5, "CIV": 1.5, "ARM": 1.5, "GEO": 1.5, "RUS": 1.5,
    "MNG": 1.5, "CHN": 1.5, "PAK": 1.5, "TUR": 1.5, "TGO": 1, "SEN": 1, "AZE": 1, "UKR": 1, "ALB": 1,
    "BGD": 1, "IND": 1, "LKA": 1, "YEM": 1, "TUN": 1, "SSD": 1, "BDI": 1, "AGO": 1, "KEN": 0.5,
    "TCD": 0.5, "MLI": 0.5, "NER": 0.5, "BFA": 0.5, "SRB": 0.5, "BIH": 0.5, "MKD": 0.5, "XKX": 0.5,
    "KAZ": 0.5, "UZB": 0.5, "VNM": 0.5, "NPL": 0.5, "SUR": 0.5, "DOM": 0.5, "COL": 0.5, "VEN": 0.5,
}
PILOT_NATIONALITIES: dict[str, dict[str, float]] = {
    "amsterdam": BASE_NATIONALITIES,
    "rotterdam": {**BASE_NATIONALITIES, "MAR": 5, "DZA": 4, "ALB": 1.5, "GEO": 2, "TUN": 1.5},
    "utrecht": BASE_NATIONALITIES,
    "groningen": BASE_NATIONALITIES,
    "eindhoven": {**BASE_NATIONALITIES, "MAR": 4, "DZA": 3, "GEO": 2},
}
# Nationalities of persons known only nationally.
NATIONAL_NATIONALITIES: dict[str, float] = {
    **BASE_NATIONALITIES, "SYR": 6, "TUR": 3, "BRA": 1, "IDN": 0.5, "PHL": 0.5, "PER": 0.5, "JOR": 0.5,
}
EU_NATIONALITIES: tuple[str, ...] = ("POL", "ROU", "BGR", "LTU", "LVA", "HUN", "SVK", "CZE", "PRT", "ITA")
