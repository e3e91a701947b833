"""Turn `ReportData` into the report: the chapters of `sections/` numbered and rendered to one
self-contained HTML document with the template of `template.py`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from pipelines.report import fmt
from pipelines.report.data import ReportData
from pipelines.report.document import TextCell
from pipelines.report.sections import all_sections
from pipelines.report.template import CSS, TEMPLATE

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _env() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
    env.tests["tekstcel"] = lambda value: isinstance(value, TextCell)
    return env


def _bron_tekst(data: ReportData) -> str:
    tekst = data.bron_bestand.name
    pub = data.publicatie
    published = pub.get("published_at")
    if isinstance(published, datetime):
        local = published.replace(tzinfo=ZoneInfo("UTC")).astimezone(AMSTERDAM) if published.tzinfo is None else published
        tekst += f", gepubliceerd op {fmt.datum(local.date())} om {local:%H:%M}"
    if pub.get("code_version"):
        tekst += f" (programmaversie {pub['code_version']})"
    return tekst


def render_report(data: ReportData, gemaakt_op: datetime | None = None) -> str:
    """The whole report as one self-contained HTML document."""
    gemaakt_op = gemaakt_op or datetime.now(AMSTERDAM)
    secties = all_sections(data)
    for i, s in enumerate(secties, start=1):
        s.number = i
        for b in s.blocks:
            if b.kind == "grafiek":
                b.content.svg = Markup(b.content.svg)
    v = data.vergelijking
    vergelijking_tekst = f"{fmt.datum(v.vorige)} ({v.reden})" if v else "geen eerdere peildatum"
    return _env().from_string(TEMPLATE).render(
        css=Markup(CSS),
        demo=data.is_demo,
        peildatum=fmt.datum(data.peildatum),
        peildatum_iso=data.peildatum.isoformat(),
        kennisstand=("zoals gerapporteerd: alleen de leveringen die op de peildatum binnen waren "
                     "(de grafieken gebruiken de nieuwste leveringen)" if data.zoals_gerapporteerd
                     else "de nieuwste levering van iedere bron, met correcties"),
        vergelijking_tekst=vergelijking_tekst,
        gemaakt_op=f"{fmt.datum(gemaakt_op.date())}, {gemaakt_op:%H:%M}",
        bronbestand=_bron_tekst(data),
        secties=secties,
    )
