"""The rows of the demo deliveries the pipeline must quarantine (see `invalid_rows`)."""

from __future__ import annotations

from datetime import date

from .model import InvalidRow


def invalid_rows() -> list[InvalidRow]:
    """Extra rows the pipeline must quarantine: records that exist nowhere else, so losing
    them changes no figure. Values in contract order; `raw` is what is delivered instead."""
    return [
        InvalidRow("amsterdam", "verblijven", date(2020, 11, 1),
                   ("1999901", "AMS-999-0001", None, date(1987, 3, 14), "M", "ERI", "ALLEENSTAAND",
                    date(2020, 6, 15), "NIEUW", True, None, None),
                   (("geslacht", "Q"),), "onbekende code geslacht 'Q'"),
        InvalidRow("amsterdam", "verblijven", date(2020, 11, 1),
                   ("1999902", "AMS-999-0002", None, date(1979, 8, 2), "M", "IRN", "ALLEENSTAAND",
                    date(2020, 2, 28), "NIEUW", True, None, None),
                   (("instroomdatum", "31-02-2020"),), "instroomdatum 31-02-2020 bestaat niet"),
        InvalidRow("utrecht", "trajecten", date(2020, 11, 1),
                   ("UTR9990001", "U-9990001-1", date(2020, 9, 14), "SCENARIO_VERTREK"),
                   (("gebeurtenis", "SCENARIO_ONBEKEND"),), "onbekende code gebeurtenis 'SCENARIO_ONBEKEND'"),
        InvalidRow("groningen", "verblijven", date(2020, 11, 1),
                   ("29990001", "GRN9990001", None, date(1990, 1, 1), "M", "AFG", "ALLEENSTAAND",
                    date(2020, 8, 3), "NIEUW", True, None, None),
                   (("nationaliteit", ""),), "verplichte waarde nationaliteit ontbreekt"),
        InvalidRow("rotterdam", "trajecten", date(2020, 11, 1),
                   ("R9990001", "RV-9990001", date(2020, 10, 2), "SCENARIO_VERBLIJF"),
                   (("datum", ""),), "verplichte waarde datum ontbreekt"),
        InvalidRow("dtv", "vertrekzaken", date(2020, 11, 1),
                   ("123456789", date(1984, 6, 30), "M", "GEO", "DTV-9999-000001", date(2020, 5, 4),
                    date(2020, 8, 20), "ZELFSTANDIG_AANTOONBAAR", "HERKOMSTLAND", "GEO"),
                   (), "v_nummer '123456789' heeft geen 10 cijfers"),
        InvalidRow("ind", "procedures", date(2021, 2, 1),
                   ("98765432101", date(1992, 12, 1), "V", "NGA", "IND9999000001", "REGULIER",
                    date(2020, 3, 2), "INWILLIGING", date(2020, 9, 9)),
                   (), "v_nummer '98765432101' heeft geen 10 cijfers"),
        InvalidRow("eindhoven", "verblijven", date(2021, 2, 1),
                   ("EHV-999-0001", "EHV-999-0001/1", None, date(1975, 5, 5), "M", "MAR", "ALLEENSTAAND",
                    date(2020, 7, 1), "NIEUW", True, date(2020, 12, 1), "OVERIG"),
                   (("uitstroomreden", "VERHUISD"),), "onbekende code uitstroomreden 'VERHUISD'"),
    ]
