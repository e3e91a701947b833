"""The report as a document before it is HTML: sections of blocks (text, tables, charts).

The chapters (`pipelines/report/sections/`) build `Section`s; `render.py` numbers them and the
template (`template.py`) turns every `Block` into HTML by its `kind`. Keeping the model apart
from both lets a chapter be written without knowing the HTML, and the HTML without the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.report import fmt
from pipelines.report.data import ReportData


class TextCell(str):
    """A table cell holding words, not a number: left-aligned and allowed to wrap."""


@dataclass
class Block:
    """One piece of a section; `kind` tells the template how to draw `content`."""

    kind: str  # tekst | melding | kop | tabel | grafiek | kerncijfers | definities | lijst
    content: object
    id: str | None = None
    css_class: str | None = None


@dataclass
class Section:
    """One chapter of the report, numbered by `render_report` in the order of the report."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    css_class: str | None = None
    number: int = 0

    def text(self, content: str, css_class: str | None = None) -> None:
        self.blocks.append(Block("tekst", content, css_class=css_class))

    def add(self, kind: str, content: object, id: str | None = None) -> None:
        self.blocks.append(Block(kind, content, id=id))


def count(value) -> str:
    """A count as the report prints it (Dutch thousands separator)."""
    return fmt.getal(value)


def share(deel: float | None, geheel: float | None, decimals: int = 0) -> str:
    """`deel` as a percentage of `geheel`, or a dash when there is no whole to divide by."""
    if not geheel or deel is None:
        return "–"
    return fmt.procent(deel / geheel, decimals)


def monitor_rows(data: ReportData) -> list[str]:
    """Row names of the monitor (pilots in contract order, then totaal)."""
    return [r["gemeente"] for r in data.monitor]


def total_series(data: ReportData) -> list[dict]:
    """The monitor series of the `totaal` row, per first of the month and the peildatum."""
    return [r for r in data.monitor_reeks if r["gemeente"] == "totaal"]
