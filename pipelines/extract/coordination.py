"""The extract's tables and microdata protected together (issue 13).

The tables alone are protected by `build_aggregates` (linear secondary suppression, then the
bounds of the public rule). The microdata of the same package are a second source on the same
cells: counted by pilot, period, category, scenario or `in_doelgroep` they bound the suppressed
cells, and the issue's attack recovered cells that way. So, in rounds until the attack of
`audit.py` (tables and microdata together) recovers nothing:

1. the microdata are made for the current suppression: the records of suppressed person cells
   get their pilot hidden before the k-anonymization, the records of suppressed category and
   scenario cells get that value hidden after it (`microdata.build_microdata`);
2. the audit looks for a recovered cell; for each, one more table cell is suppressed (in one of
   its relations or of its microdata groups), linear protection is restored, and round 1 again.
   A cell that the microdata pin on their own (every neighbour suppressed already: e.g. the only
   quarter of a year so far, which the year gives exactly) has the instroom or uitstroom period
   of its records suppressed instead.

Suppression only grows, so the rounds end; `write_extract` then checks the result once more on
the files as written.
"""

from __future__ import annotations

import pandas as pd

from pipelines.extract.aggregates import Aggregates
from pipelines.extract.audit import MicrodataEvidence, microdata_evidence, protect_against_bounds
from pipelines.extract.cells import CellId
from pipelines.extract.microdata import Microdata, build_microdata


def protect_together(
    stays: pd.DataFrame, aggregates: Aggregates, salt: bytes, *, k: int, min_cell: int, nationality_min_group: int,
    max_suppression_share: float,
) -> Microdata:
    """Suppress more in `aggregates` (in place) until tables and microdata leak no suppressed
    cell together; return the microdata released with the final suppression."""
    made: dict[tuple[frozenset, frozenset], Microdata] = {}
    pinned: set[CellId] = set()  # cells the microdata alone pinned: their records hide the period

    def microdata_for(status: dict[CellId, str]) -> Microdata:
        key = (frozenset(status), frozenset(pinned))
        if key not in made:
            made[key] = build_microdata(
                stays, salt, k=k, nationality_min_group=nationality_min_group,
                max_suppression_share=max_suppression_share, suppressed_cells=set(status), period_cells=set(pinned),
            )
        return made[key]

    def escalate(cells: set[CellId]) -> bool:
        new = {c for c in cells if c[0] in ("instroom", "uitstroom")} - pinned
        pinned.update(new)
        return bool(new)

    def evidence_for(status: dict[CellId, str]) -> MicrodataEvidence:
        microdata = microdata_for(status)
        return microdata_evidence(microdata.frame, aggregates.values, status, len(microdata.result.removed))

    final = protect_against_bounds(aggregates.values, aggregates.constraints, aggregates.suppression, min_cell,
                                   evidence_for=evidence_for, escalate=escalate)
    aggregates.resuppress(final)
    return microdata_for(final.status)
