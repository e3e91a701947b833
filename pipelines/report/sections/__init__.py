"""The chapters of the report, one module per kind of chapter, in the order the report shows them.

Each chapter is a function `ReportData -> Section` (or a list of them, for the chapter per
pilot) built from `pipelines/report/document.py`; `render.py` numbers them and draws the HTML.
"""

from __future__ import annotations

from pipelines.report.data import ReportData
from pipelines.report.document import Section
from pipelines.report.sections.definitions import definities
from pipelines.report.sections.deviations import afwijkingen
from pipelines.report.sections.flows import per_pilot
from pipelines.report.sections.monitor import kerncijfers, monitortabel, vergelijking
from pipelines.report.sections.outcomes import bestendig, scenarios


def all_sections(data: ReportData) -> list[Section]:
    """Every chapter of the report, in order, not yet numbered."""
    return [
        kerncijfers(data),
        monitortabel(data),
        vergelijking(data),
        bestendig(data),
        scenarios(data),
        *per_pilot(data),
        afwijkingen(data),
        definities(data),
    ]
