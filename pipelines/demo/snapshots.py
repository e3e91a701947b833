"""Which rows a delivery at peildatum D holds, as canonical values.

Every delivery is a full snapshot (FEEDS.md): a record is in it once it started on or before D
(instroomdatum, datum, aanvraagdatum, ingangsdatum, startdatum), and its completing values
(uitstroom, beslissing, einddatum, vertrek) only once they are dated on or before D. A
`Correction` replaces some values in the deliveries it names. Canonical values: `date` for
dates, `bool` for booleans, upper-case codes, `None` for empty; columns in contract order
(`COLUMNS`), plus the extra columns a source adds (`columns_for`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from . import calibration as cal
from .model import Correction, Population

COLUMNS: dict[str, tuple[str, ...]] = {
    "verblijven": ("client_id", "verblijf_id", "v_nummer", "geboortedatum", "geslacht", "nationaliteit",
                   "samenstelling", "instroomdatum", "herkomst", "regiobinding", "uitstroomdatum", "uitstroomreden"),
    "trajecten": ("client_id", "verblijf_id", "datum", "gebeurtenis"),
    "procedures": ("v_nummer", "geboortedatum", "geslacht", "nationaliteit", "procedure_id", "soort",
                   "aanvraagdatum", "beslissing", "beslisdatum"),
    "maatregelen": ("v_nummer", "maatregel", "ingangsdatum", "einddatum"),
    "vertrekzaken": ("v_nummer", "geboortedatum", "geslacht", "nationaliteit", "zaak_id", "startdatum",
                     "vertrekdatum", "vertrekwijze", "bestemming", "land"),
}
EXTRA_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {("utrecht", "verblijven"): ("opmerking",)}

BESTANDEN: dict[str, tuple[str, ...]] = {
    **{pilot: ("verblijven", "trajecten") for pilot in cal.PILOTS},
    "ind": ("procedures", "maatregelen"),
    "dtv": ("vertrekzaken",),
}
FILE_KEYS: tuple[tuple[str, str], ...] = tuple((bron, bestand) for bron in cal.BRONNEN for bestand in BESTANDEN[bron])


def columns_for(bron: str, bestand: str) -> tuple[str, ...]:
    return COLUMNS[bestand] + EXTRA_COLUMNS.get((bron, bestand), ())


def file_name(bron: str, bestand: str, peildatum: date, ext: str) -> str:
    return f"{bron}_{bestand}_{peildatum:%Y%m%d}.{ext}"


@dataclass(slots=True)
class SnapRecord:
    """One record: in deliveries from `start` on; complete (`full`) from `done` on, before
    that `masked` (the completing values still empty)."""

    key: str
    start: date
    done: date | None
    masked: tuple
    full: tuple

    def at(self, peildatum: date) -> tuple:
        return self.full if self.done is not None and self.done <= peildatum else self.masked


def snapshot_records(pop: Population, keys: tuple[tuple[str, str], ...] = FILE_KEYS,
                     ) -> dict[tuple[str, str], list[SnapRecord]]:
    """(bron, bestand) -> its records in file order, for the files in `keys`."""
    out: dict[tuple[str, str], list[SnapRecord]] = {key: [] for key in FILE_KEYS}
    for s in pop.stays:
        if (s.bron, "verblijven") not in keys and (s.bron, "trajecten") not in keys:
            continue
        full = (s.client_id, s.verblijf_id, s.v_nummer, s.geboortedatum, s.geslacht, s.nationaliteit,
                s.samenstelling, s.instroomdatum, s.herkomst, s.regiobinding, s.uitstroomdatum, s.uitstroomreden)
        if s.bron == "utrecht":
            full += (s.opmerking,)
        masked = full[:10] + (None, None) + full[12:]
        out[(s.bron, "verblijven")].append(SnapRecord(s.verblijf_id, s.instroomdatum, s.uitstroomdatum, masked, full))
        trajecten = out[(s.bron, "trajecten")]
        for e in s.events:
            row = (s.client_id, s.verblijf_id, e.datum, e.gebeurtenis)
            trajecten.append(SnapRecord(s.verblijf_id, e.datum, None, row, row))
    procedures, maatregelen, zaken = out[("ind", "procedures")], out[("ind", "maatregelen")], out[("dtv", "vertrekzaken")]
    wanted = {("ind", "procedures"), ("ind", "maatregelen"), ("dtv", "vertrekzaken")} & set(keys)
    for p in pop.persons if wanted else ():
        person = (p.v_nummer, p.geboortedatum, p.geslacht, p.nationaliteit)
        for x in p.procedures:
            full = (*person, x.procedure_id, x.soort, x.aanvraagdatum, x.beslissing, x.beslisdatum)
            procedures.append(SnapRecord(x.procedure_id, x.aanvraagdatum, x.beslisdatum, full[:7] + (None, None), full))
        for m in p.maatregelen:
            full = (p.v_nummer, m.maatregel, m.ingangsdatum, m.einddatum)
            maatregelen.append(SnapRecord(m.maatregel_id, m.ingangsdatum, m.einddatum, full[:3] + (None,), full))
        for z in p.vertrekzaken:
            full = (*person, z.zaak_id, z.startdatum, z.vertrekdatum, z.vertrekwijze, z.bestemming, z.land)
            zaken.append(SnapRecord(z.zaak_id, z.startdatum, z.vertrekdatum, full[:6] + (None,) * 4, full))
    for (bron, bestand), records in out.items():
        if bestand == "trajecten":
            records.sort(key=lambda r: (r.key, r.start, r.full[3]))
        elif bestand == "maatregelen":
            records.sort(key=lambda r: (r.full[0], r.start, r.key))
        else:
            records.sort(key=lambda r: r.key)
    return out


def corrections_by_key(corrections: list[Correction]) -> dict[tuple[str, str], dict[str, list[Correction]]]:
    out: dict[tuple[str, str], dict[str, list[Correction]]] = defaultdict(lambda: defaultdict(list))
    for c in corrections:
        out[(c.bron, c.bestand)][c.key].append(c)
    return out


def apply_correction(row: tuple, columns: tuple[str, ...], correction: Correction) -> tuple:
    values = list(row)
    for column, value in correction.values:
        values[columns.index(column)] = value
    return tuple(values)


def snapshot(pop: Population, bron: str, bestand: str, peildatum: date) -> list[tuple]:
    """The canonical rows of one delivery (without the invalid extra rows)."""
    columns = columns_for(bron, bestand)
    fixes = corrections_by_key(pop.corrections)[(bron, bestand)]
    rows = []
    for rec in snapshot_records(pop, ((bron, bestand),))[(bron, bestand)]:
        if rec.start > peildatum:
            continue
        row = rec.at(peildatum)
        for c in fixes.get(rec.key, ()):
            if peildatum in c.peildata:
                row = apply_correction(row, columns, c)
        rows.append(row)
    return rows
