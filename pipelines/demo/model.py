"""The in-memory model of the demo population: what the deliveries are written from.

The model holds every record in its final (newest) state. A delivery at peildatum D shows a
record as it was known at D (see `snapshots.py`); the few values an early delivery got wrong
are listed as `Correction`s. Fields after `# truth` are not delivered: they say what the
generator meant, so tests can compare the monitor's outcome with the intent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Event:
    datum: date
    gebeurtenis: str  # SCENARIO_VERTREK | SCENARIO_VERBLIJF | MRT_AANGEMELD | MRT_ADVIES


@dataclass(slots=True)
class Stay:
    """One municipal LVV stay, with the values the municipality delivers."""

    bron: str
    client_id: str
    verblijf_id: str
    v_nummer: str | None  # as delivered: may be empty or mistyped
    geboortedatum: date  # as delivered (may differ from the national record)
    geslacht: str
    nationaliteit: str
    samenstelling: str
    instroomdatum: date
    herkomst: str
    regiobinding: bool
    uitstroomdatum: date | None = None
    uitstroomreden: str | None = None
    events: list[Event] = field(default_factory=list)
    opmerking: str | None = None  # Utrecht's extra column (not in the contract)
    # truth
    person: str = ""  # v_nummer of the national person this stay really belongs to
    replica: int = 0
    scope_reasons: tuple[str, ...] = ()  # empty: in scope
    category: str | None = None  # intended outflow category (stays ended on or before PEILDATUM)
    variant: str = ""  # how the category is arranged (calibration.VARIANTS), or a role
    linkage: str = "exact"  # exact | demografie_afwijkend | leeg | typo | typo_ander | splink | ambigu
    scenario: str | None = None  # intended scenario at PEILDATUM: vertrek | verblijf | geen

    @property
    def in_scope(self) -> bool:
        return not self.scope_reasons


@dataclass(slots=True)
class Procedure:
    procedure_id: str
    soort: str
    aanvraagdatum: date
    beslissing: str | None = None
    beslisdatum: date | None = None


@dataclass(slots=True)
class Maatregel:
    maatregel_id: str  # internal key (not delivered): names the record in a Correction
    maatregel: str
    ingangsdatum: date
    einddatum: date | None = None


@dataclass(slots=True)
class Vertrekzaak:
    zaak_id: str
    startdatum: date
    vertrekdatum: date | None = None
    vertrekwijze: str | None = None
    bestemming: str | None = None
    land: str | None = None


@dataclass(slots=True)
class NationalPerson:
    """A person in the IND/DT&V chain, with the chain's registered demographics."""

    v_nummer: str
    geboortedatum: date
    geslacht: str
    nationaliteit: str
    lvv: bool  # False: known only nationally, never in an LVV
    replica: int = 0
    procedures: list[Procedure] = field(default_factory=list)
    maatregelen: list[Maatregel] = field(default_factory=list)
    vertrekzaken: list[Vertrekzaak] = field(default_factory=list)

    @property
    def demographics(self) -> tuple[date, str, str]:
        return (self.geboortedatum, self.geslacht, self.nationaliteit)


@dataclass(frozen=True, slots=True)
class Correction:
    """In the deliveries of `peildata`, the record `key` of `bron`/`bestand` showed `values`
    (column -> value; None = not registered yet) instead of the model's value."""

    bron: str
    bestand: str
    key: str
    peildata: tuple[date, ...]
    values: tuple[tuple[str, object], ...]
    description: str


@dataclass(frozen=True, slots=True)
class InvalidRow:
    """An extra row that must be quarantined: a record that exists nowhere else.

    `values` are canonical values in contract column order (as in `snapshots.py`); `raw`
    replaces the delivered text of some columns after formatting (the invalid part)."""

    bron: str
    bestand: str
    peildatum: date
    values: tuple[object, ...]
    raw: tuple[tuple[str, str], ...]
    reason: str


@dataclass
class Population:
    seed: int
    scale: int
    stays: list[Stay] = field(default_factory=list)
    persons: list[NationalPerson] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    invalid_rows: list[InvalidRow] = field(default_factory=list)

    def extend(self, other: Population) -> None:
        self.stays.extend(other.stays)
        self.persons.extend(other.persons)
        self.corrections.extend(other.corrections)
        self.invalid_rows.extend(other.invalid_rows)

    @property
    def lvv_persons(self) -> list[NationalPerson]:
        return [p for p in self.persons if p.lvv]

    def person_index(self) -> dict[str, NationalPerson]:
        return {p.v_nummer: p for p in self.persons}
