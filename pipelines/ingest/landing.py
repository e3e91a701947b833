"""Scan the landing folder: which entries are deliveries, which are skipped and why.

FEEDS.md: only regular files directly inside a `bron` folder are deliveries. Hidden files,
Office lock files, subfolders, symbolic links (never followed), files in the landing root and
unknown folders are not read; the run lists them as skipped.

A file inside a `bron` folder whose *name* breaks the contract (wrong pattern, a `bestand`
that does not belong to its `bron`, a peildatum that is not a date, a format that is not CSV or
XLSX) is not skipped but **rejected**: it was plainly meant as a delivery, so its sender must
hear why it was not taken (docs/decisions.md).

Nothing in the folder may stop the scan (issue 11): a name that is not valid UTF-8 is recorded
with its undecodable bytes escaped (`\\xeb`) and rejected with a reason that asks for plain
names; an entry or folder that can not be inspected (permissions, vanished) is listed as
skipped with the error, never raised.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.contract import BESTANDEN_PER_BRON, BRONNEN

DELIVERY_NAME = re.compile(r"^(?P<bron>[a-z]+)_(?P<bestand>[a-z]+)_(?P<peildatum>\d{8})\.(?P<ext>.+)$")
ACCEPTED_EXTENSIONS = ("csv", "xlsx")
COMPRESSED_EXTENSIONS = ("gz", "zip", "7z", "rar", "bz2", "xz", "tar", "tgz", "zst")


def display_name(name: str) -> str:
    """The name as text that can be stored and shown: undecodable bytes become `\\xNN`.

    Python hands a name that is not valid UTF-8 to us with surrogate escapes (`\\udceb`), which
    DuckDB, logs and JSON refuse; escaping them keeps the entry visible instead of failing.
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def is_plain_text_name(name: str) -> bool:
    return display_name(name) == name


@dataclass(frozen=True)
class SkippedEntry:
    path: str  # relative to the landing folder
    reason: str


@dataclass(frozen=True)
class Candidate:
    """A file that is meant as a delivery. `rejection` is set when its name alone rules it out."""

    path: Path  # the real path on disk (may hold surrogate escapes); only for reading
    relative_path: str  # as shown and stored: undecodable bytes escaped (`display_name`)
    bron: str
    bestand: str | None
    peildatum: date | None
    file_format: str | None
    rejection: str | None = None

    @property
    def file_name(self) -> str:
        """The file's name as stored in the raw zone and shown to people."""
        return self.relative_path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LandingScan:
    candidates: tuple[Candidate, ...]
    skipped: tuple[SkippedEntry, ...]

    def for_bestand(self, bestand: str) -> list[Candidate]:
        return [c for c in self.candidates if c.rejection is None and c.bestand == bestand]

    @property
    def rejected_by_name(self) -> list[Candidate]:
        return [c for c in self.candidates if c.rejection is not None]


def scan_landing(landing: Path) -> LandingScan:
    """Classify every entry of the landing folder without following symlinks or reading files."""
    candidates: list[Candidate] = []
    skipped: list[SkippedEntry] = []
    if not landing.is_dir():
        return LandingScan((), ())
    entries, error = _list_folder(landing)
    if error:
        skipped.append(SkippedEntry("./", f"landingsmap kan niet gelezen worden ({error})"))
    for entry in entries:
        rel = display_name(entry.name)
        try:
            _scan_root_entry(entry, rel, candidates, skipped)
        except OSError as exc:
            skipped.append(SkippedEntry(rel, f"kan niet bekeken worden ({_os_error(exc)})"))
    return LandingScan(tuple(candidates), tuple(skipped))


def _scan_root_entry(entry: Path, rel: str, candidates: list[Candidate], skipped: list[SkippedEntry]) -> None:
    if entry.is_symlink():
        skipped.append(SkippedEntry(rel, "symbolische link (wordt nooit gevolgd)"))
    elif entry.name.startswith("."):
        skipped.append(SkippedEntry(rel, "verborgen bestand of map"))
    elif entry.is_file():
        skipped.append(SkippedEntry(rel, "bestand in de hoofdmap van de landing; leveringen horen in een bronmap"))
    elif entry.is_dir() and entry.name not in BRONNEN:
        skipped.append(SkippedEntry(rel + "/", f"onbekende map; bekende bronnen: {', '.join(BRONNEN)}"))
    elif entry.is_dir():
        _scan_bron_folder(entry, entry.name, candidates, skipped)
    else:
        skipped.append(SkippedEntry(rel, "geen gewoon bestand"))


def _scan_bron_folder(folder: Path, bron: str, candidates: list[Candidate], skipped: list[SkippedEntry]) -> None:
    entries, error = _list_folder(folder)
    if error:
        skipped.append(SkippedEntry(f"{bron}/", f"bronmap kan niet gelezen worden ({error}); geef de monitor leesrechten"))
    for entry in entries:
        rel = f"{bron}/{display_name(entry.name)}"
        try:
            _scan_bron_entry(entry, bron, rel, candidates, skipped)
        except OSError as exc:
            skipped.append(SkippedEntry(rel, f"kan niet bekeken worden ({_os_error(exc)})"))
        except Exception as exc:  # noqa: BLE001 - containment: a fault stays with its entry
            candidates.append(Candidate(
                entry, rel, bron, None, None, None,
                rejection=f"onverwachte fout bij het bekijken van dit bestand ({type(exc).__name__}: {exc}); "
                          "meld dit aan het beheer van de monitor",
            ))


def _scan_bron_entry(entry: Path, bron: str, rel: str, candidates: list[Candidate], skipped: list[SkippedEntry]) -> None:
    if entry.is_symlink():
        skipped.append(SkippedEntry(rel, "symbolische link (wordt nooit gevolgd)"))
    elif entry.name.startswith("."):
        skipped.append(SkippedEntry(rel, "verborgen bestand"))
    elif entry.name.startswith("~$"):
        skipped.append(SkippedEntry(rel, "Office-lockbestand"))
    elif entry.is_dir():
        skipped.append(SkippedEntry(rel + "/", "submap in een bronmap (wordt niet gelezen)"))
    elif not entry.is_file():
        skipped.append(SkippedEntry(rel, "geen gewoon bestand"))
    else:
        candidates.append(classify_name(entry, bron, rel))


def _list_folder(folder: Path) -> tuple[list[Path], str | None]:
    """The folder's entries in name order, or none and the error that stopped the listing."""
    try:
        return sorted(folder.iterdir(), key=lambda p: os.fsencode(p.name)), None
    except OSError as exc:
        return [], _os_error(exc)


def _os_error(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


def classify_name(path: Path, bron: str, relative_path: str) -> Candidate:
    """Parse `{bron}_{bestand}_{YYYYMMDD}.{csv|xlsx}`; set `rejection` when the name breaks it."""
    name = path.name
    match = DELIVERY_NAME.match(name)

    def rejected(reason: str, bestand: str | None = None, peildatum: date | None = None) -> Candidate:
        return Candidate(path, relative_path, bron, bestand, peildatum, None, rejection=reason)

    if not is_plain_text_name(name):
        return rejected(
            f"bestandsnaam is geen geldige UTF-8 (onleesbare bytes staan hier als \\xNN: "
            f"{display_name(name)}); gebruik gewone namen: kleine letters, cijfers en _ volgens "
            "{bron}_{bestand}_{JJJJMMDD}.csv|xlsx"
        )

    if match is None:
        hint = " (alleen kleine letters)" if DELIVERY_NAME.match(name.lower()) else ""
        return rejected(
            f"bestandsnaam volgt het patroon {{bron}}_{{bestand}}_{{JJJJMMDD}}.csv|xlsx niet{hint}"
        )
    name_bron, bestand, stamp, ext = match["bron"], match["bestand"], match["peildatum"], match["ext"]
    known_bestand = bestand if any(bestand in b for b in BESTANDEN_PER_BRON.values()) else None
    try:
        peildatum = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        return rejected(f"peildatum {stamp} in de bestandsnaam is geen bestaande datum", known_bestand)
    if name_bron != bron:
        return rejected(f"bron '{name_bron}' in de bestandsnaam hoort niet in map '{bron}'", known_bestand, peildatum)
    if bestand not in BESTANDEN_PER_BRON[bron]:
        allowed = ", ".join(BESTANDEN_PER_BRON[bron])
        return rejected(f"bestand '{bestand}' hoort niet bij bron '{bron}' (wel: {allowed})", known_bestand, peildatum)
    last_ext = ext.rsplit(".", 1)[-1]
    if last_ext in COMPRESSED_EXTENSIONS:
        return rejected(f"gecomprimeerd of gearchiveerd bestand (.{ext}); lever .csv of .xlsx onverpakt", bestand, peildatum)
    if ext in ("xls", "xlsm", "xlsb"):
        return rejected(f"Excel-formaat .{ext} wordt niet geaccepteerd; lever .xlsx of .csv", bestand, peildatum)
    if ext not in ACCEPTED_EXTENSIONS:
        return rejected(f"formaat .{ext} wordt niet geaccepteerd; lever .csv of .xlsx", bestand, peildatum)
    return Candidate(path, relative_path, bron, bestand, peildatum, ext)
