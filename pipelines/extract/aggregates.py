"""The aggregate tables of an evaluation extract, with cell suppression.

Three tables, protected together (a count that appears in two tables is one cell):

- `monitor_peildatum`: the monitor table of MONITOR.md at the peildatum (`marts.monitor_op(P,
  false)`: newest state), one row per pilot and `totaal`;
- `instroom_per_kwartaal`: in-scope stays started, per pilot × quarter of instroom, with totals;
- `uitstroom_per_kwartaal`: in-scope stays ended, per pilot × quarter of uitstroom × reconciled
  outflow category (as of the peildatum), with totals over every dimension. Its totals over the
  quarters are the monitor's outflow columns: the extract checks that they are equal.

Every count under the threshold (10, zeros included) is suppressed (primary); then cells are
suppressed until no suppressed cell can be recomputed from the relations between the published
cells (secondary, see `cells.py`). The relations used: every total of a table, and in the monitor
table bestendig_totaal = bestendig_verblijf + terugkeer + doormigratie, aanwezig = scenario_vertrek
+ scenario_verblijf + scenario_geen, ooit_opgevangen = aanwezig + all ten outflow categories, and
totaal = the sum of the pilots. The last two hold only roughly (persons are counted once, a
person can re-enter, the national row counts a person in two pilots once); treating them as exact
is on the safe side: it can only suppress more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from pipelines.extract.audit import protect_against_bounds
from pipelines.extract.cells import TOTAL, CellId, Constraint, SuppressionResult, suppress_cells
from pipelines.report.labels import MONITOR_KOLOMMEN, UITSTROOMCATEGORIEEN

# The monitor's columns and outflow categories, as pipelines/report/labels.py declares them.
CATEGORIES = list(UITSTROOMCATEGORIEEN)
MONITOR_COUNTS = [column for column in MONITOR_KOLOMMEN if column != "capaciteit"]  # the counts of people/stays


class AggregateError(RuntimeError):
    pass


@dataclass
class Aggregates:
    peildatum: date
    pilots: list[tuple[str, str, int]]  # (bron, gemeente, capaciteit) in the contract's order
    quarters: list[str]
    values: dict[CellId, int]
    constraints: list[Constraint]
    suppression: SuppressionResult | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    monitor_rows: list[dict] = field(default_factory=list)
    bron_of: dict[str, str] = field(default_factory=dict)

    def resuppress(self, suppression: SuppressionResult) -> None:
        """Take a stronger suppression (the extract's audit against the microdata) and rebuild the tables."""
        self.suppression = suppression
        self.tables = _tables(self, self.monitor_rows, self.bron_of)


def quarter_label(d: date) -> str:
    return f"{d.year:04d}-K{(d.month - 1) // 3 + 1}"


def quarters_between(first: date, last: date) -> list[str]:
    labels, year, q = [], first.year, (first.month - 1) // 3 + 1
    end = (last.year, (last.month - 1) // 3 + 1)
    while (year, q) <= end:
        labels.append(f"{year:04d}-K{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return labels


def monitor_cell(bron: str, column: str) -> CellId:
    if column in CATEGORIES:
        return ("uitstroom", bron, TOTAL, column)
    return ("monitor", bron, column)


def build_aggregates(con: duckdb.DuckDBPyConnection, stays: pd.DataFrame, peildatum: date, min_cell: int) -> Aggregates:
    """Compute, relate and suppress the three tables. `stays` is `microdata.read_stays` (unprotected)."""
    pilots = [
        (bron, gemeente, int(capaciteit))
        for bron, gemeente, capaciteit in con.execute(
            "SELECT bron, gemeente, capaciteit FROM marts.dim_pilot ORDER BY volgorde"
        ).fetchall()
    ]
    bron_of = {gemeente: bron for bron, gemeente, _ in pilots} | {TOTAL: TOTAL}
    rows = con.execute("SELECT * FROM marts.monitor_op(CAST($p AS DATE), false)", {"p": peildatum})
    names = [d[0] for d in rows.description]
    monitor = [dict(zip(names, r)) for r in rows.fetchall()]
    missing = [c for c in ["gemeente", "capaciteit", *MONITOR_COUNTS] if c not in names]
    if missing:
        raise AggregateError(f"marts.monitor_op geeft niet de kolommen van MONITOR.md: {missing} ontbreken")

    in_scope = stays[stays["in_doelgroep"].astype(bool)]
    first = min(stays["instroomdatum"]) if len(stays) else peildatum
    quarters = quarters_between(first, peildatum)
    bronnen = [b for b, _, _ in pilots]

    values: dict[CellId, int] = {}
    constraints: list[Constraint] = []

    # Monitor table.
    for row in monitor:
        bron = bron_of.get(row["gemeente"])
        if bron is None:
            raise AggregateError(f"onbekende gemeente {row['gemeente']!r} in marts.monitor_op")
        for column in MONITOR_COUNTS:
            values[monitor_cell(bron, column)] = int(row[column])

    # Instroom: pilot × quarter.
    counts = in_scope.assign(q=in_scope["instroomdatum"].map(quarter_label)).groupby(["pilot", "q"]).size()
    for bron in bronnen + [TOTAL]:
        for q in quarters + [TOTAL]:
            if bron == TOTAL and q == TOTAL:
                value = len(in_scope)
            elif bron == TOTAL:
                value = int(counts.xs(q, level="q").sum()) if q in counts.index.get_level_values("q") else 0
            elif q == TOTAL:
                value = int(counts.xs(bron, level="pilot").sum()) if bron in counts.index.get_level_values("pilot") else 0
            else:
                value = int(counts.get((bron, q), 0))
            values[("instroom", bron, q)] = value
    for bron in bronnen + [TOTAL]:
        constraints.append(Constraint(("instroom", bron, TOTAL), tuple(("instroom", bron, q) for q in quarters),
                                      f"instroom {bron}: totaal over kwartalen"))
    for q in quarters + [TOTAL]:
        constraints.append(Constraint(("instroom", TOTAL, q), tuple(("instroom", b, q) for b in bronnen),
                                      f"instroom {q}: totaal over pilots"))

    # Uitstroom: pilot × quarter × category.
    ended = in_scope[in_scope["uitstroomdatum"].notna()]
    ended = ended.assign(q=ended["uitstroomdatum"].map(quarter_label))
    base = ended.groupby(["pilot", "q", "uitstroomcategorie"]).size().to_dict()
    for bron in bronnen + [TOTAL]:
        for q in quarters + [TOTAL]:
            for c in CATEGORIES + [TOTAL]:
                value = sum(
                    n for (b2, q2, c2), n in base.items()
                    if (bron == TOTAL or b2 == bron) and (q == TOTAL or q2 == q) and (c == TOTAL or c2 == c)
                )
                cell = ("uitstroom", bron, q, c)
                if q == TOTAL and c != TOTAL and cell in values and values[cell] != value:
                    raise AggregateError(
                        f"uitstroom {bron} {c}: monitor_op telt {values[cell]}, de verblijven {value}; "
                        "de extractregels lopen niet meer gelijk met de monitor"
                    )
                values[cell] = value
    for bron in bronnen + [TOTAL]:
        for c in CATEGORIES + [TOTAL]:
            constraints.append(Constraint(("uitstroom", bron, TOTAL, c), tuple(("uitstroom", bron, q, c) for q in quarters),
                                          f"uitstroom {bron} {c}: totaal over kwartalen"))
        for q in quarters + [TOTAL]:
            constraints.append(Constraint(("uitstroom", bron, q, TOTAL), tuple(("uitstroom", bron, q, c) for c in CATEGORIES),
                                          f"uitstroom {bron} {q}: totaal over categorieën"))
    for q in quarters + [TOTAL]:
        for c in CATEGORIES + [TOTAL]:
            constraints.append(Constraint(("uitstroom", TOTAL, q, c), tuple(("uitstroom", b, q, c) for b in bronnen),
                                          f"uitstroom {q} {c}: totaal over pilots"))

    # Monitor relations (outflow columns are the uitstroom table's quarter totals).
    for bron in bronnen + [TOTAL]:
        cell = lambda column, b=bron: monitor_cell(b, column)  # noqa: E731
        constraints.append(Constraint(cell("bestendig_totaal"),
                                      (cell("bestendig_verblijf"), cell("terugkeer"), cell("doormigratie")),
                                      f"monitor {bron}: bestendig_totaal"))
        constraints.append(Constraint(cell("aanwezig"),
                                      (cell("scenario_vertrek"), cell("scenario_verblijf"), cell("scenario_geen")),
                                      f"monitor {bron}: aanwezig naar scenario"))
        constraints.append(Constraint(cell("ooit_opgevangen"), (cell("aanwezig"), *[cell(c) for c in CATEGORIES]),
                                      f"monitor {bron}: ooit opgevangen = aanwezig + uitgestroomd"))
    for column in MONITOR_COUNTS:
        if column in CATEGORIES:
            continue  # already a relation of the uitstroom table
        constraints.append(Constraint(monitor_cell(TOTAL, column), tuple(monitor_cell(b, column) for b in bronnen),
                                      f"monitor {column}: totaal over pilots"))

    aggregates = Aggregates(peildatum, pilots, quarters, values, constraints, monitor_rows=monitor, bron_of=bron_of)
    # Linear protection first, then against the bounds of the public rule "suppressed means 1–9".
    aggregates.suppression = protect_against_bounds(values, constraints, suppress_cells(values, constraints, min_cell), min_cell)
    aggregates.tables = _tables(aggregates, monitor, bron_of)
    return aggregates


def _tables(agg: Aggregates, monitor: list[dict], bron_of: dict[str, str]) -> dict[str, pd.DataFrame]:
    status = agg.suppression.status if agg.suppression else {}
    bronnen = [b for b, _, _ in agg.pilots]

    def shown(cell: CellId) -> int | None:
        return None if cell in status else agg.values[cell]

    monitor_rows = []
    for row in monitor:
        bron = bron_of[row["gemeente"]]
        out = {"peildatum": agg.peildatum, "gemeente": row["gemeente"], "capaciteit": int(row["capaciteit"])}
        out.update({column: shown(monitor_cell(bron, column)) for column in MONITOR_COUNTS})
        monitor_rows.append(out)
    monitor_frame = pd.DataFrame(monitor_rows)
    for column in MONITOR_COUNTS:
        monitor_frame[column] = monitor_frame[column].astype("Int64")

    instroom = pd.DataFrame([
        {"peildatum": agg.peildatum, "pilot": bron, "kwartaal": q, "aantal_verblijven": shown(("instroom", bron, q)),
         "onderdrukt": status.get(("instroom", bron, q))}
        for bron in bronnen + [TOTAL] for q in agg.quarters + [TOTAL]
    ])
    instroom["aantal_verblijven"] = instroom["aantal_verblijven"].astype("Int64")

    uitstroom = pd.DataFrame([
        {"peildatum": agg.peildatum, "pilot": bron, "kwartaal": q, "uitstroomcategorie": c,
         "aantal_verblijven": shown(("uitstroom", bron, q, c)), "onderdrukt": status.get(("uitstroom", bron, q, c))}
        for bron in bronnen + [TOTAL] for q in agg.quarters + [TOTAL] for c in CATEGORIES + [TOTAL]
    ])
    uitstroom["aantal_verblijven"] = uitstroom["aantal_verblijven"].astype("Int64")

    listed = []
    gemeente_of = {b: g for b, g, _ in agg.pilots} | {TOTAL: TOTAL}
    for cell, kind in sorted(status.items(), key=lambda item: repr(item[0])):
        if cell[0] == "monitor":
            listed.append({"tabel": "monitor_peildatum", "rij": gemeente_of[cell[1]], "kwartaal": None,
                           "kolom": cell[2], "soort": kind})
        elif cell[0] == "instroom":
            listed.append({"tabel": "instroom_per_kwartaal", "rij": cell[1], "kwartaal": cell[2],
                           "kolom": "aantal_verblijven", "soort": kind})
        else:
            listed.append({"tabel": "uitstroom_per_kwartaal", "rij": cell[1], "kwartaal": cell[2],
                           "kolom": cell[3], "soort": kind})
            if cell[2] == TOTAL and cell[3] in CATEGORIES:
                listed.append({"tabel": "monitor_peildatum", "rij": gemeente_of[cell[1]], "kwartaal": None,
                               "kolom": cell[3], "soort": kind})
    suppressed = pd.DataFrame(listed, columns=["tabel", "rij", "kwartaal", "kolom", "soort"])
    return {
        "monitor_peildatum": monitor_frame,
        "instroom_per_kwartaal": instroom,
        "uitstroom_per_kwartaal": uitstroom,
        "onderdrukte_cellen": suppressed,
    }
