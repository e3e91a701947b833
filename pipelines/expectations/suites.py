"""The expectation suites of `expectations/` (GX 1.x suite JSON, one file per concern), read
without importing Great Expectations.

Every expectation carries, besides its GX fields (`type`, `kwargs`, `description`, `severity`),
a `meta` block that ties it to the monitor:

- `soort`: the kind of deviation, as listed in `marts.fct_afwijkingen`;
- `ernst`: `fout` (the figures would be wrong: publishing stops; GX severity `critical`) or
  `waarschuwing` (flagged; GX severity `warning`);
- `controle`: the Dagster asset check it belongs to (declared in the suite's `meta.controles`
  with the asset it judges);
- `frame`: the data it is evaluated on (`pipelines/expectations/frames.py`);
- `titel` and `actie`: a short name and what to do, in Dutch, for the run log and the CLI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipelines.config import PROJECT_ROOT
from pipelines.expectations.frames import FRAMES
from pipelines.reconciliation_window import fill_in

SUITES_DIR = PROJECT_ROOT / "expectations"
SUITE_NAMES = ("convenant", "reconciliatie", "datakwaliteit")
ERNST = ("fout", "waarschuwing")
GX_SEVERITY = {"fout": "critical", "waarschuwing": "warning"}


class SuiteFout(ValueError):
    """A suite file breaks the conventions above."""


@dataclass(frozen=True)
class Regel:
    """One expectation: one kind of deviation judged on one frame."""

    suite: str
    controle: str
    frame: str
    soort: str
    ernst: str
    titel: str
    beschrijving: str
    actie: str
    config: dict = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Controle:
    """One Dagster asset check: the expectations of one suite on one asset."""

    naam: str
    suite: str
    asset: str  # "marts/fct_instroom"
    extra_deps: tuple[str, ...]
    omschrijving: str
    regels: tuple[Regel, ...]

    @property
    def blokkerend(self) -> bool:
        """A check with an expectation of ernst `fout` blocks what depends on its asset."""
        return any(r.ernst == "fout" for r in self.regels)

    @property
    def frames(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.frame for r in self.regels))

    def regels_op(self, frame: str) -> tuple[Regel, ...]:
        return tuple(r for r in self.regels if r.frame == frame)


@dataclass(frozen=True)
class SoortInfo:
    soort: str
    titel: str
    suite: str
    actie: str


def load_suite(name: str, folder: Path | None = None) -> dict:
    path = (folder or SUITES_DIR) / f"{name}.json"
    try:
        # A description names the reconciliation window as {reconciliatie_venster_dagen}: filled
        # in here, so the Data Docs and the CLI name the window the figures were built with.
        return json.loads(fill_in(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise SuiteFout(f"suite {path} ontbreekt") from None
    except json.JSONDecodeError as exc:
        raise SuiteFout(f"suite {path} is geen geldige JSON: {exc}") from None


def _controles(folder: Path | None) -> tuple[Controle, ...]:
    result: list[Controle] = []
    for suite_name in SUITE_NAMES:
        suite = load_suite(suite_name, folder)
        declared = suite.get("meta", {}).get("controles", {})
        per_check: dict[str, list[Regel]] = {name: [] for name in declared}
        for index, expectation in enumerate(suite.get("expectations", [])):
            meta = expectation.get("meta") or {}
            where = f"{suite_name}.json, verwachting {index + 1} ({meta.get('soort', '?')})"
            for key in ("soort", "ernst", "controle", "frame", "titel", "actie"):
                if not meta.get(key):
                    raise SuiteFout(f"{where}: meta.{key} ontbreekt")
            if meta["ernst"] not in ERNST:
                raise SuiteFout(f"{where}: meta.ernst moet fout of waarschuwing zijn")
            if expectation.get("severity") != GX_SEVERITY[meta["ernst"]]:
                raise SuiteFout(f"{where}: severity moet {GX_SEVERITY[meta['ernst']]} zijn bij ernst {meta['ernst']}")
            if meta["controle"] not in per_check:
                raise SuiteFout(f"{where}: controle {meta['controle']} staat niet in meta.controles")
            if meta["frame"] not in FRAMES:
                raise SuiteFout(f"{where}: onbekend frame {meta['frame']}")
            if not expectation.get("description"):
                raise SuiteFout(f"{where}: description (voor beleidsmedewerkers) ontbreekt")
            per_check[meta["controle"]].append(Regel(
                suite=suite_name, controle=meta["controle"], frame=meta["frame"], soort=meta["soort"],
                ernst=meta["ernst"], titel=meta["titel"], beschrijving=expectation["description"],
                actie=meta["actie"], config=expectation,
            ))
        for name, spec in declared.items():
            if not per_check[name]:
                raise SuiteFout(f"{suite_name}.json: controle {name} heeft geen verwachtingen")
            result.append(Controle(
                naam=name, suite=suite_name, asset=spec["asset"], extra_deps=tuple(spec.get("extra_deps", ())),
                omschrijving=spec["omschrijving"], regels=tuple(per_check[name]),
            ))
    names = [c.naam for c in result]
    if len(names) != len(set(names)):
        raise SuiteFout("twee controles met dezelfde naam in expectations/")
    return tuple(result)


@lru_cache(maxsize=None)
def controles(folder: Path | None = None) -> tuple[Controle, ...]:
    """Every asset check declared in the suites, in suite order."""
    return _controles(folder)


def controle(naam: str) -> Controle:
    for item in controles():
        if item.naam == naam:
            return item
    raise KeyError(naam)


@lru_cache(maxsize=None)
def soorten() -> dict[str, SoortInfo]:
    """Every kind of deviation with its Dutch title and what to do (first expectation that names it)."""
    found: dict[str, SoortInfo] = {}
    for item in controles():
        for regel in item.regels:
            found.setdefault(regel.soort, SoortInfo(regel.soort, regel.titel, regel.suite, regel.actie))
    return found
