"""The microdata of an evaluation extract: one row per stay, k-anonymous on the quasi-identifiers.

Read from the published file only (`monitor.duckdb`, schema `marts`), in the newest state
(`kennisstand = 'nieuwste'`), at a peildatum P:

- every stay that started on or before P (in and out of the target group; `in_doelgroep` says);
- the uitstroom only when it was on or before P, with the reconciled outflow category *as of P*:
  the rule of MONITOR.md (the dbt macro `uitstroomcategorie`) applied to the national records
  (`marts.fct_monitor_bewijs`) dated on or before P, exactly as `marts.monitor_op(P, false)`
  counts it;
- the scenario in force at P, or at the uitstroom for a stay that ended: the latest
  `SCENARIO_*` event dated on or before then (`geen`: none);
- the person's departure procedures before the first instroom (`marts.dim_persoon`), banded.

Then the disclosure control of `sdc.k_anonymize` on the quasi-identifiers (pilot, age band, sex,
nationality group, instroom period, uitstroom period, days in the LVV, in the target group), with
the records of suppressed table cells hidden first (`coordination_masks`, `hide_suppressed_values`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from pipelines.extract.cells import TOTAL
from pipelines.extract.regions import OVERIG, region_of
from pipelines.extract.sdc import KAnonymityResult, QuasiIdentifier, k_anonymize

PSEUDONYM_LENGTH = 16

# The monitor's rule for the reconciled outflow category (MONITOR.md; dbt macro
# `uitstroomcategorie`), on the first IND permit and the outcome of the latest DT&V departure
# dated on or before the peildatum.
CATEGORY_SQL = """
    CASE
        WHEN v.uitstroomreden = 'VERBLIJFSVERGUNNING' THEN
            CASE WHEN b.eerste_inwilliging IS NOT NULL THEN 'bestendig_verblijf' ELSE 'onbevestigd' END
        WHEN v.uitstroomreden IN ('TERUGKEER', 'DOORMIGRATIE', 'MOB') THEN
            coalesce(b.laatste_vertrek, CASE WHEN v.uitstroomreden = 'MOB' THEN 'mob' ELSE 'onbevestigd' END)
        WHEN v.uitstroomreden = 'ASIELAANVRAAG' THEN 'asielaanvraag_azc'
        WHEN v.uitstroomreden = 'UITSTEL_VERTREK_ART64' THEN 'uitstel_art64'
        WHEN v.uitstroomreden = 'BBB' THEN 'terug_bbb'
        WHEN v.uitstroomreden = 'GEDWONGEN_BEEINDIGD' THEN 'gedwongen_beeindigd'
        WHEN v.uitstroomreden = 'OVERIG' THEN 'overig'
    END
"""

BASE_QUERY = f"""
WITH v AS (
    SELECT verblijf_key, persoon_key, bron, instroomdatum, uitstroomdatum, uitstroomreden, in_doelgroep
    FROM marts.fct_monitor_verblijven
    WHERE kennisstand = 'nieuwste' AND instroomdatum <= $peildatum
), b AS (
    SELECT verblijf_key,
           min(datum) FILTER (WHERE soort_bewijs = 'inwilliging') AS eerste_inwilliging,
           arg_max(uitkomst, datum) FILTER (WHERE soort_bewijs = 'vertrek') AS laatste_vertrek
    FROM marts.fct_monitor_bewijs
    WHERE kennisstand = 'nieuwste' AND datum <= $peildatum
    GROUP BY verblijf_key
), s AS (
    SELECT g.verblijf_key, arg_max(g.gebeurtenis, g.datum) AS gebeurtenis
    FROM marts.fct_monitor_gebeurtenissen g
    JOIN v USING (verblijf_key)
    WHERE g.kennisstand = 'nieuwste' AND g.gebeurtenis LIKE 'SCENARIO_%'
      AND g.datum <= CASE WHEN v.uitstroomdatum <= $peildatum THEN v.uitstroomdatum ELSE $peildatum END
    GROUP BY g.verblijf_key
)
SELECT
    v.verblijf_key,
    v.persoon_key,
    v.bron AS pilot,
    v.instroomdatum,
    CASE WHEN v.uitstroomdatum <= $peildatum THEN v.uitstroomdatum END AS uitstroomdatum,
    CASE WHEN v.uitstroomdatum <= $peildatum THEN {CATEGORY_SQL} END AS uitstroomcategorie,
    coalesce(lower(replace(s.gebeurtenis, 'SCENARIO_', '')), 'geen') AS scenario,
    v.in_doelgroep,
    i.geslacht,
    i.nationaliteit,
    i.leeftijd_bij_instroom,
    p.eerdere_vertrekprocedures,
    date_diff('day', v.instroomdatum,
              CASE WHEN v.uitstroomdatum <= $peildatum THEN v.uitstroomdatum ELSE $peildatum END) AS dagen_in_lvv
FROM v
LEFT JOIN b USING (verblijf_key)
LEFT JOIN s USING (verblijf_key)
LEFT JOIN marts.fct_instroom i USING (verblijf_key)
LEFT JOIN marts.dim_persoon p ON p.persoon_key = v.persoon_key
ORDER BY v.verblijf_key
"""

# Hierarchies --------------------------------------------------------------------------------

AGE_LEVELS = [
    ("leeftijd in klassen van 5 jaar (18-24, 25-29, …, 50-59, 60+)",
     [(18, "<18"), (25, "18-24"), (30, "25-29"), (35, "30-34"), (40, "35-39"), (45, "40-44"), (50, "45-49"),
      (60, "50-59"), (None, "60+")]),
    ("leeftijd in 4 klassen (<25, 25-34, 35-49, 50+)", [(25, "<25"), (35, "25-34"), (50, "35-49"), (None, "50+")]),
    ("leeftijd in 2 klassen (<35, 35+)", [(35, "<35"), (None, "35+")]),
]
DAYS_LEVELS = [
    ("dagen in 6 klassen (0-30, 31-90, 91-180, 181-365, 366-730, 731+)",
     [(30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365"), (730, "366-730"), (None, "731+")]),
    ("dagen in 3 klassen (0-90, 91-365, 366+)", [(90, "0-90"), (365, "91-365"), (None, "366+")]),
    ("dagen in 2 klassen (0-365, 366+)", [(365, "0-365"), (None, "366+")]),
]
PERIOD_LEVELS = ["maand (JJJJ-MM)", "kwartaal (JJJJ-Kn)", "jaar (JJJJ)"]
NATIONALITY_LEVELS = ["land (ISO3), kleine landen per regio", "regio", "geen (alles overig)"]
NOT_RELEASED = "niet vrijgegeven (leeg voor alle records)"
# How much it costs the research when a QI goes all the way up its hierarchy (relative):
# the instroom cohort matters most; the days in the LVV follow roughly from the two periods.
WEIGHTS = {
    "instroomperiode": 1.5, "uitstroomperiode": 1.0, "nationaliteitsgroep": 1.0, "leeftijdsklasse": 1.0,
    "dagen_in_lvv_klasse": 0.5,
}


def band(value: float | int | None, edges: list[tuple[int | None, str]], below: bool = True) -> str | None:
    """The label of the first band whose upper edge the value is below (`below`) or at most."""
    if value is None or pd.isna(value):
        return None
    for edge, label in edges:
        if edge is None or (value < edge if below else value <= edge):
            return label
    return None


def period(d: date | None, level: int) -> str | None:
    if d is None or pd.isna(d):
        return None
    if level == 0:
        return f"{d.year:04d}-{d.month:02d}"
    if level == 1:
        return f"{d.year:04d}-K{(d.month - 1) // 3 + 1}"
    return f"{d.year:04d}"


def procedures_band(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return "0" if value == 0 else "1" if value == 1 else "2+"


def nationality_levels(nationalities: pd.Series, min_group: int) -> list[pd.Series]:
    """Level 0: the country where at least `min_group` records have it, else `<regio>, overig`
    (when that rest of the region is at least `min_group`), else `overig`. Level 1: the region
    where it has at least `min_group` records, else `overig`. Level 2: `overig` for everyone."""
    codes = nationalities.astype(object).where(nationalities.notna(), None)
    regions = codes.map(region_of)
    region_counts = regions.value_counts()
    level1 = regions.map(lambda r: r if r != OVERIG and region_counts.get(r, 0) >= min_group else OVERIG)
    country_counts = codes.value_counts()
    big = codes.map(lambda c: c is not None and country_counts.get(c, 0) >= min_group)
    rest_label = regions.map(lambda r: f"{r}, overig")
    rest_counts = rest_label[~big].value_counts()
    level0 = pd.Series(
        [
            code if is_big else (rest if rest_counts.get(rest, 0) >= min_group and region != OVERIG else OVERIG)
            for code, is_big, rest, region in zip(codes, big, rest_label, regions)
        ],
        index=codes.index, dtype=object,
    )
    level2 = pd.Series(OVERIG, index=codes.index, dtype=object)
    return [level0, level1.astype(object), level2]


# The microdata ------------------------------------------------------------------------------

# Why these eight (docs/privacy.md, "The quasi-identifiers"): each is a fact about the person or
# the stay that people around them can know (the shelter, the municipality, neighbours,
# family): where they stayed, how old they are, sex, nationality, when they came and left, how
# long they stayed, and whether they belong to the target group (it follows from visible facts:
# a family, an EU nationality, a pending asylum claim, a measure; issue 13 measured a class of 1
# with it). uitstroomcategorie, scenario and eerdere_vertrekprocedures are what the research is
# about (sensitive attributes): never generalized, only hidden where the tables suppress them.
QI_COLUMNS = [
    "pilot", "leeftijdsklasse", "geslacht", "nationaliteitsgroep", "instroomperiode", "uitstroomperiode",
    "dagen_in_lvv_klasse", "in_doelgroep",
]
OUTPUT_COLUMNS = [
    "verblijf_pseudoniem", "persoon_pseudoniem", "pilot", "leeftijdsklasse", "geslacht", "nationaliteitsgroep",
    "instroomperiode", "uitstroomperiode", "uitstroomcategorie", "scenario", "eerdere_vertrekprocedures",
    "dagen_in_lvv_klasse", "in_doelgroep",
]
STILL_PRESENT = "nog aanwezig"
ENDED_SUPPRESSED = "uitgestroomd, periode onderdrukt"


@dataclass
class Microdata:
    result: KAnonymityResult
    base: pd.DataFrame  # before disclosure control (never written): for consistency checks
    hidden: dict[str, int] = field(default_factory=dict)  # records per column hidden for suppressed cells

    @property
    def frame(self) -> pd.DataFrame:
        return self.result.frame[OUTPUT_COLUMNS]


def read_stays(con: duckdb.DuckDBPyConnection, peildatum: date) -> pd.DataFrame:
    """Every stay started on or before the peildatum, with what the extract needs (keys included)."""
    frame = con.execute(BASE_QUERY, {"peildatum": peildatum}).fetchdf()
    for column in frame.columns:
        if column not in ("leeftijd_bij_instroom", "eerdere_vertrekprocedures", "dagen_in_lvv", "in_doelgroep"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    for column in ("instroomdatum", "uitstroomdatum"):
        frame[column] = frame[column].map(lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).date())
    return frame


def extract_pseudonym(salt: bytes, purpose: str, key: str) -> str:
    return hmac.new(salt, f"{purpose}:{key}".encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def released_qi_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The QI values as the k-anonymity check sees them in a released frame: a missing uitstroom
    period of a stay that ended (it has a category) is a suppressed value, of one still present is
    'nog aanwezig'; other missing values are a value `*` of their own."""
    keys = frame[QI_COLUMNS].astype(object).copy()
    ended = frame["uitstroomcategorie"].notna()
    keys["uitstroomperiode"] = keys["uitstroomperiode"].where(
        keys["uitstroomperiode"].notna(), ended.map({True: ENDED_SUPPRESSED, False: STILL_PRESENT})
    )
    return keys.where(keys.notna(), "*")


CATEGORY_SUPPRESSED = "onderdrukt"
SCENARIO_SUPPRESSED = "onderdrukt"
# Person counts of the monitor table whose records get their pilot hidden when the cell is
# suppressed (`coordination_masks`).
PILOT_HIDING_CELLS = ("ooit_opgevangen", "aanwezig", "buiten_doelgroep")


def _in(cells: set[tuple], keys) -> pd.Series:
    return pd.Series([key in cells for key in keys], dtype=bool)


def coordination_masks(stays: pd.DataFrame, suppressed: set[tuple]) -> dict[str, pd.Series]:
    """The records whose pilot must be hidden because they count in a suppressed person cell of
    the monitor table: `ooit_opgevangen` (in scope), `aanwezig` (in scope, present) or
    `buiten_doelgroep` (out of scope) of their pilot (issue 13).

    Why: the microdata count those cells by pilot (distinct `persoon_pseudoniem`), so the issue's
    attack (`in_doelgroep = false` per pilot) gave back every suppressed `buiten_doelgroep` cell.
    With the pilot hidden, the records of the suppressed pilots count together: their sum, which
    the tables' totals give already."""
    scope = stays["in_doelgroep"].astype(bool).to_numpy()
    present = scope & stays["uitstroomdatum"].isna().to_numpy()
    pilots = stays["pilot"].tolist()
    hide = np.zeros(len(stays), dtype=bool)
    for column, rows in (("ooit_opgevangen", scope), ("aanwezig", present), ("buiten_doelgroep", ~scope)):
        hide |= rows & _in(suppressed, [("monitor", p, column) for p in pilots]).to_numpy()
    return {"pilot": pd.Series(hide, index=stays.index)}


def period_masks(stays: pd.DataFrame, cells: set[tuple], suppressed: set[tuple]) -> dict[str, pd.Series]:
    """The records whose instroom or uitstroom period must be suppressed because the microdata
    alone pinned a suppressed cell (`coordination.protect_together`), e.g. the only quarter of a
    year so far, or a zero that the year's records rule out. For ("instroom", pilot, quarter):
    the pilot's in-scope stays; for ("uitstroom", pilot, quarter, category): the pilot's in-scope
    stays that ended with that category, or with any category released as `onderdrukt` when the
    cell's category is one of those. With their period suppressed they may lie in any quarter,
    so none of the pilot's quarter cells is pinned by them (a `totaal` pilot matches every one)."""
    scope = stays["in_doelgroep"].astype(bool).to_numpy()
    pilots, categories = stays["pilot"].tolist(), stays["uitstroomcategorie"].tolist()
    instroom = np.zeros(len(stays), dtype=bool)
    uitstroom = np.zeros(len(stays), dtype=bool)
    for cell in cells:
        pilot_ok = np.array([cell[1] == TOTAL or p == cell[1] for p in pilots], dtype=bool)
        if cell[0] == "instroom":
            instroom |= pilot_ok
        elif cell[0] == "uitstroom":
            hidden = ("uitstroom", cell[1], TOTAL, cell[3]) in suppressed
            wanted = [c is not None and not (isinstance(c, float) and pd.isna(c))
                      and (c == cell[3] or cell[3] == TOTAL
                           or (hidden and ("uitstroom", p, TOTAL, c) in suppressed))
                      for p, c in zip(pilots, categories)]
            uitstroom |= pilot_ok & np.array(wanted, dtype=bool)
    return {"instroomperiode": pd.Series(instroom & scope, index=stays.index),
            "uitstroomperiode": pd.Series(uitstroom & scope, index=stays.index)}


def hide_suppressed_values(frame: pd.DataFrame, stays: pd.DataFrame, suppressed: set[tuple]) -> dict[str, int]:
    """Hide the sensitive values of the records of suppressed cells (issue 13), on the true pilot
    and scope of each record (`stays`, aligned with `frame`), whatever the microdata release:

    - `uitstroomcategorie` → `onderdrukt` for an in-scope stay whose pilot × category cell of the
      uitstroom table (= the monitor's outflow column) is suppressed;
    - `scenario` → `onderdrukt` for an in-scope stay present at the peildatum whose pilot (or
      national) scenario cell of the monitor table is suppressed.

    Why: counting the microdata by pilot × uitstroomcategorie gave back 34 of the 592 suppressed
    cells of the test extract exactly, and the scenario cells can be counted the same way. With the
    value hidden for every record of a suppressed cell (primary and secondary), the records with
    `onderdrukt` per pilot are the sum of its suppressed cells, which the tables give already.
    Returns the number of records changed per column."""
    scope = stays["in_doelgroep"].astype(bool).to_numpy()
    pilots, categories, scenarios = stays["pilot"].tolist(), stays["uitstroomcategorie"].tolist(), stays["scenario"].tolist()
    has_category = stays["uitstroomcategorie"].notna().to_numpy()
    category_cells = [("uitstroom", p, TOTAL, c) for p, c in zip(pilots, categories)]
    category_hit = scope & has_category & _in(suppressed, category_cells).to_numpy()
    present = scope & stays["uitstroomdatum"].isna().to_numpy()
    scenario_hit = present & (
        _in(suppressed, [("monitor", p, f"scenario_{s}") for p, s in zip(pilots, scenarios)]).to_numpy()
        | _in(suppressed, [("monitor", TOTAL, f"scenario_{s}") for s in scenarios]).to_numpy()
    )
    frame.loc[category_hit, "uitstroomcategorie"] = CATEGORY_SUPPRESSED
    frame.loc[scenario_hit, "scenario"] = SCENARIO_SUPPRESSED
    return {"uitstroomcategorie": int(category_hit.sum()), "scenario": int(scenario_hit.sum())}


def build_microdata(
    stays: pd.DataFrame, salt: bytes, *, k: int, nationality_min_group: int, max_suppression_share: float,
    suppressed_cells: set[tuple] | None = None, period_cells: set[tuple] | None = None,
) -> Microdata:
    """The released microdata. `suppressed_cells`: the suppressed cells of the extract's tables;
    their records get the pilot hidden (`coordination_masks`) before the k-anonymization and the
    sensitive value hidden after it (`hide_suppressed_values`), so that counting the microdata
    cannot give a suppressed cell back."""
    suppressed_cells = suppressed_cells or set()
    period_cells = period_cells or set()
    frame = pd.DataFrame(index=stays.index)
    frame["verblijf_pseudoniem"] = [extract_pseudonym(salt, "verblijf", key) for key in stays["verblijf_key"]]
    frame["persoon_pseudoniem"] = [extract_pseudonym(salt, "persoon", key) for key in stays["persoon_key"]]
    frame["uitstroomcategorie"] = stays["uitstroomcategorie"].astype(object)
    frame["scenario"] = stays["scenario"].astype(object)
    frame["eerdere_vertrekprocedures"] = stays["eerdere_vertrekprocedures"].map(procedures_band).astype(object)
    frame["in_doelgroep"] = stays["in_doelgroep"].astype(bool)

    ended = stays["uitstroomdatum"].notna()
    ages = stays["leeftijd_bij_instroom"]
    days = stays["dagen_in_lvv"]
    nothing = pd.Series(None, index=stays.index, dtype=object)
    qis = [
        QuasiIdentifier("instroomperiode", [stays["instroomdatum"].map(lambda d, lv=lv: period(d, lv)).astype(object)
                                            for lv in range(3)], PERIOD_LEVELS, weight=WEIGHTS["instroomperiode"]),
        QuasiIdentifier("uitstroomperiode", [stays["uitstroomdatum"].map(lambda d, lv=lv: period(d, lv)).astype(object)
                                             for lv in range(3)], PERIOD_LEVELS, weight=WEIGHTS["uitstroomperiode"],
                        missing_key=STILL_PRESENT,
                        suppressed_key=ended.map({True: ENDED_SUPPRESSED, False: STILL_PRESENT}).astype(object)),
        QuasiIdentifier("dagen_in_lvv_klasse", [days.map(lambda v, e=edges: band(v, e, below=False)).astype(object)
                                                for _, edges in DAYS_LEVELS] + [nothing],
                        [name for name, _ in DAYS_LEVELS] + [NOT_RELEASED], weight=WEIGHTS["dagen_in_lvv_klasse"]),
        QuasiIdentifier("leeftijdsklasse", [ages.map(lambda v, e=edges: band(v, e)).astype(object)
                                            for _, edges in AGE_LEVELS] + [nothing],
                        [name for name, _ in AGE_LEVELS] + [NOT_RELEASED], weight=WEIGHTS["leeftijdsklasse"]),
        QuasiIdentifier("nationaliteitsgroep", nationality_levels(stays["nationaliteit"], nationality_min_group),
                        NATIONALITY_LEVELS, weight=WEIGHTS["nationaliteitsgroep"]),
        QuasiIdentifier("geslacht", [stays["geslacht"].astype(object)], ["M / V / X"]),
        QuasiIdentifier("pilot", [stays["pilot"].astype(object)], ["pilot"], suppress_last=True),
        QuasiIdentifier("in_doelgroep", [stays["in_doelgroep"].astype(bool).astype(object)], ["ja / nee"]),
    ]
    for q in qis:
        frame[q.column] = q.levels[0]
    forced = {**coordination_masks(stays, suppressed_cells), **period_masks(stays, period_cells, suppressed_cells)}
    result = k_anonymize(
        frame, qis, k=k, max_suppression_share=max_suppression_share, forced=forced,
        forced_reason="ze tellen in een onderdrukte cel die de microdata anders zouden verraden (pilot: een "
                      "personencel van monitor_peildatum; periode: een kwartaalcel die de periode precies aanwijst)",
    )
    hidden = {**{column: int(mask.sum()) for column, mask in forced.items()},
              **hide_suppressed_values(result.frame, stays.loc[result.frame.index], suppressed_cells)}
    # Rows in the order of the random pseudonym: the order tells nothing about the source.
    result.frame = result.frame.sort_values("verblijf_pseudoniem", kind="stable").reset_index(drop=True)
    return Microdata(result=result, base=stays, hidden=hidden)
