"""The feed contract (`shared/contract/FEEDS.md`) as data.

Everything the ingest needs to know about a delivery lives here: which sources exist, which
files each source delivers, their columns, which are required, how each value is parsed and
which cross-column rules hold. Code lists come from `seeds/codes.csv` and
`seeds/countries.csv`, so the reference data has one home that dbt and the ingest share.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipelines.config import SEEDS_DIR
from pipelines.pilots import pilot_bronnen

GEMEENTEN: tuple[str, ...] = pilot_bronnen()  # seeds/pilots.csv
BRONNEN: tuple[str, ...] = (*GEMEENTEN, "ind", "dtv")

# Which `bestand` each `bron` may deliver.
BESTANDEN_PER_BRON: dict[str, tuple[str, ...]] = {
    **{gemeente: ("verblijven", "trajecten") for gemeente in GEMEENTEN},
    "ind": ("procedures", "maatregelen"),
    "dtv": ("vertrekzaken",),
}

BOOLEAN_SPELLINGS: dict[str, bool] = {
    "ja": True, "nee": False, "j": True, "n": False, "true": True, "false": False,
    "1": True, "0": False, "yes": True, "no": False,
}

# Value kinds a column can have. `code` columns are checked against the list in seeds/codes.csv
# named after the column; `country` against seeds/countries.csv.
TEXT, DATE, BOOLEAN, CODE, COUNTRY, V_NUMMER = "text", "date", "boolean", "code", "country", "v_nummer"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool
    code_list: str | None = None  # for CODE columns: the `lijst` in seeds/codes.csv


@dataclass(frozen=True)
class FileSpec:
    """One file type of the contract, shared by every source that delivers it."""

    bestand: str
    raw_table: str  # table in schema `raw`
    columns: tuple[Column, ...]
    unique_key: str | None = None  # unique within one delivery (and within the source)
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _code(name: str, required: bool = True) -> Column:
    return Column(name, CODE, required, code_list=name)


_PERSON_COLUMNS = (
    Column("geboortedatum", DATE, True),
    _code("geslacht"),
    Column("nationaliteit", COUNTRY, True),
)

FILE_SPECS: dict[str, FileSpec] = {
    "verblijven": FileSpec(
        bestand="verblijven",
        raw_table="gemeente_verblijven",
        unique_key="verblijf_id",
        description="one row per LVV stay (all five pilots)",
        columns=(
            Column("client_id", TEXT, True),
            Column("verblijf_id", TEXT, True),
            Column("v_nummer", TEXT, False),  # may be empty or mistyped: linkage deals with it
            *_PERSON_COLUMNS,
            _code("samenstelling"),
            Column("instroomdatum", DATE, True),
            _code("herkomst"),
            Column("regiobinding", BOOLEAN, True),
            Column("uitstroomdatum", DATE, False),
            _code("uitstroomreden", required=False),
        ),
    ),
    "trajecten": FileSpec(
        bestand="trajecten",
        raw_table="gemeente_trajecten",
        description="one row per event in the guidance trajectory",
        columns=(
            Column("client_id", TEXT, True),
            Column("verblijf_id", TEXT, True),
            Column("datum", DATE, True),
            _code("gebeurtenis"),
        ),
    ),
    "procedures": FileSpec(
        bestand="procedures",
        raw_table="ind_procedures",
        unique_key="procedure_id",
        description="one row per IND procedure",
        columns=(
            Column("v_nummer", V_NUMMER, True),
            *_PERSON_COLUMNS,
            Column("procedure_id", TEXT, True),
            _code("soort"),
            Column("aanvraagdatum", DATE, True),
            _code("beslissing", required=False),
            Column("beslisdatum", DATE, False),
        ),
    ),
    "maatregelen": FileSpec(
        bestand="maatregelen",
        raw_table="ind_maatregelen",
        description="one row per IND measure",
        columns=(
            Column("v_nummer", V_NUMMER, True),
            _code("maatregel"),
            Column("ingangsdatum", DATE, True),
            Column("einddatum", DATE, False),
        ),
    ),
    "vertrekzaken": FileSpec(
        bestand="vertrekzaken",
        raw_table="dtv_vertrekzaken",
        unique_key="zaak_id",
        description="one row per DT&V departure case",
        columns=(
            Column("v_nummer", V_NUMMER, True),
            *_PERSON_COLUMNS,
            Column("zaak_id", TEXT, True),
            Column("startdatum", DATE, True),
            Column("vertrekdatum", DATE, False),
            _code("vertrekwijze", required=False),
            _code("bestemming", required=False),
            Column("land", COUNTRY, False),
        ),
    ),
}


@dataclass(frozen=True)
class ConditionalRule:
    """'column X is required when condition holds' (or 'must be empty when ...')."""

    sql_violation: str  # SQL over canonical values, true when the row breaks the rule
    reason: str


# Rules of the form "required when ..." from FEEDS.md, as SQL on canonical values.
CONDITIONAL_RULES: dict[str, tuple[ConditionalRule, ...]] = {
    "verblijven": (
        ConditionalRule(
            "uitstroomdatum IS NOT NULL AND uitstroomreden IS NULL",
            "uitstroomreden: verplicht wanneer uitstroomdatum gevuld is",
        ),
        ConditionalRule(
            "uitstroomdatum IS NULL AND uitstroomreden IS NOT NULL",
            "uitstroomdatum: ontbreekt terwijl uitstroomreden gevuld is",
        ),
    ),
    "procedures": (
        ConditionalRule(
            "beslissing IS NOT NULL AND beslisdatum IS NULL",
            "beslisdatum: verplicht wanneer beslissing gevuld is",
        ),
        ConditionalRule(
            "beslissing IS NULL AND beslisdatum IS NOT NULL",
            "beslissing: ontbreekt terwijl beslisdatum gevuld is",
        ),
    ),
    "vertrekzaken": (
        ConditionalRule(
            "vertrekdatum IS NOT NULL AND vertrekwijze IS NULL",
            "vertrekwijze: verplicht wanneer vertrekdatum gevuld is",
        ),
        ConditionalRule(
            "vertrekwijze IN ('ZELFSTANDIG_AANTOONBAAR', 'GEDWONGEN') AND bestemming IS NULL",
            "bestemming: verplicht bij vertrekwijze ZELFSTANDIG_AANTOONBAAR of GEDWONGEN",
        ),
    ),
}


@dataclass(frozen=True)
class CodeLists:
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
    countries: frozenset[str] = frozenset()


@cache
def load_code_lists(seeds_dir: Path = SEEDS_DIR) -> CodeLists:
    """Read the contract's code lists and the ISO3 country codes from the seeds."""
    codes: dict[str, set[str]] = {}
    with open(seeds_dir / "codes.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            codes.setdefault(row["lijst"].strip(), set()).add(row["code"].strip().upper())
    with open(seeds_dir / "countries.csv", newline="", encoding="utf-8") as handle:
        countries = {row["iso3"].strip().upper() for row in csv.DictReader(handle)}
    return CodeLists({k: frozenset(v) for k, v in codes.items()}, frozenset(countries))
