"""Inline SVG charts, drawn in Python: no JavaScript, no fonts or libraries from the network.

Every chart is readable without colour: the Okabe-Ito palette (safe for the common forms of
colour blindness) is combined with a fill pattern per bar series, a dash style and marker shape
per line, direct labels at the end of lines and values printed in or next to bars. Every chart
comes with a `Table` holding exactly its numbers; the report shows it under the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipelines.report import fmt
from pipelines.report.svg import (
    AS,
    MARKERS,
    RASTER,
    STREEPJES,
    TEKST,
    esc,
    filled_rect,
    is_light,
    legend,
    marker,
    nice_max,
    num,
    series_color,
    spread_labels,
    svg_open,
    text_width,
    y_axis,
)


@dataclass
class Table:
    """A table: the numbers of a chart, or a table in its own right (always with a caption)."""

    caption: str
    kolommen: list[str]  # the header row; kolommen[0] heads the row-header column
    rijen: list[tuple[str, list[str]]]  # (row header, formatted cells)
    voetnoot: str | None = None
    nadruk_laatste_rij: bool = False  # e.g. a `totaal` row
    nadruk: set[int] = field(default_factory=set)  # row indexes printed bold (e.g. a subtotal)
    kolomgroepen: list[tuple[str, int]] = field(default_factory=list)  # header row above `kolommen`: (label, span)
    groepen: dict[int, str] = field(default_factory=dict)  # row index -> group heading before it


@dataclass
class Chart:
    id: str
    titel: str
    svg: str
    tabel: Table
    toelichting: str | None = None


@dataclass
class Series:
    naam: str
    waarden: list[float | None]
    kleur: int | None = None  # index into KLEUREN/PATRONEN/STREEPJES; default: position
    dik: bool = False


def line_chart(
    chart_id: str,
    titel: str,
    x: list[date],
    reeksen: list[Series],
    y_label: str,
    beschrijving: str,
    tabel: Table,
    x_label: str = "Datum",
    referenties: list[tuple[float, str]] | None = None,
    markers: bool = True,
    procent: bool = False,
    width: int = 760,
    height: int = 330,
    toelichting: str | None = None,
    y_min_top: float = 0,
) -> Chart:
    """Lines over time, each with its own colour, dash style and marker, labelled at its end.

    `referenties` are horizontal dashed reference lines (e.g. the capacity), labelled in place.
    """
    referenties = referenties or []
    label_w = max([text_width(r.naam) for r in reeksen] + [0]) + 16
    ml, mr = 64, max(60, min(200, label_w))
    legend_items = [(r.naam, r.kleur if r.kleur is not None else i, "lijn") for i, r in enumerate(reeksen)]
    legend_items += [(lab, 0, "ref") for _, lab in referenties]
    legend_svg, legend_h = legend(chart_id, legend_items, ml, 18, width - ml - mr)
    mt = 18 + legend_h + 12
    mb = 48
    x0, x1, y0, y1 = ml, width - mr, mt, height - mb  # plot area; y1 is the bottom
    values = [v for r in reeksen for v in r.waarden if v is not None] + [v for v, _ in referenties]
    top, step = nice_max(max(values + [y_min_top, 0]) * 1.05 if values else 1)
    if procent:
        top, step = nice_max(max(values + [y_min_top]) * 1.05 * 100) if values else (100, 20)
        top, step = top / 100, step / 100
    t0 = x[0].toordinal() if x else 0
    t1 = x[-1].toordinal() if x else 1
    span = max(1, t1 - t0)

    def xs(d: date) -> float:
        return x0 + (d.toordinal() - t0) / span * (x1 - x0)

    def ys(v: float) -> float:
        return y1 - (v / top) * (y1 - y0) if top else y1

    out = [svg_open(chart_id, titel, beschrijving, width, height)]
    out.append(legend_svg)
    out.append(y_axis(top, step, x0, x1, ys, y_label, y0, y1, procent))
    # x axis: a tick at every first of a quarter month (Jan/Apr/Jul/Oct), labels short Dutch months
    if x:
        d = date(x[0].year, x[0].month, 1)
        ticks = []
        while d <= x[-1]:
            if d >= x[0]:
                ticks.append(d)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        if len(ticks) > 8:
            ticks = [t for t in ticks if t.month in (1, 4, 7, 10)]
        for tk in ticks:
            px = xs(tk)
            out.append(f'<line x1="{num(px)}" y1="{num(y1)}" x2="{num(px)}" y2="{num(y1 + 5)}" stroke="{AS}"/>')
            out.append(f'<text x="{num(px)}" y="{num(y1 + 18)}" text-anchor="middle" fill="{AS}">{fmt.maand(tk, kort=True)}</text>')
    out.append(f'<line x1="{num(x0)}" y1="{num(y1)}" x2="{num(x1)}" y2="{num(y1)}" stroke="{AS}" stroke-width="1.2"/>')
    out.append(f'<text x="{num((x0 + x1) / 2)}" y="{num(height - 8)}" text-anchor="middle" fill="{TEKST}" class="as-titel">{esc(x_label)}</text>')
    for v, lab in referenties:
        py = ys(v)
        out.append(f'<line x1="{num(x0)}" y1="{num(py)}" x2="{num(x1)}" y2="{num(py)}" stroke="{TEKST}" '
                   f'stroke-width="1.6" stroke-dasharray="3 3"/>')
        out.append(f'<text x="{num(x0 + 6)}" y="{num(py - 5)}" fill="{TEKST}" class="label-ref">{esc(lab)}</text>')
    ends = []
    for i, r in enumerate(reeksen):
        ci = r.kleur if r.kleur is not None else i
        kleur = series_color(ci)
        dash = STREEPJES[ci % len(STREEPJES)]
        pts = [(xs(d), ys(v)) for d, v in zip(x, r.waarden) if v is not None]
        if not pts:
            continue
        path = "M" + "L".join(f"{num(a)},{num(b)}" for a, b in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path d="{path}" fill="none" stroke="{kleur}" stroke-width="{3 if r.dik else 2.2}"'
                   f'{dash_attr} stroke-linejoin="round"/>')
        if markers:
            out.extend(marker(MARKERS[ci % len(MARKERS)], a, b, kleur) for a, b in pts)
        else:
            a, b = pts[-1]
            out.append(marker(MARKERS[ci % len(MARKERS)], a, b, kleur))
        last_v = [v for v in r.waarden if v is not None][-1]
        ends.append((pts[-1][1], i, r.naam, last_v, kleur))
    placed = spread_labels([(y, i) for y, i, *_ in ends], 15, y0 + 4, y1)
    for y, i, naam, v, kleur in ends:
        ly = placed[i]
        waarde = fmt.procent(v) if procent else fmt.getal(v)
        out.append(f'<text x="{num(x1 + 8)}" y="{num(ly + 4)}" fill="{TEKST}" class="label-direct">'
                   f'<tspan font-weight="bold">{waarde}</tspan> {esc(naam)}</text>')
    out.append("</svg>")
    return Chart(chart_id, titel, "".join(out), tabel, toelichting)


def bar_chart(
    chart_id: str,
    titel: str,
    categorieen: list[str],
    reeksen: list[Series],
    y_label: str,
    x_label: str,
    beschrijving: str,
    tabel: Table,
    width: int = 760,
    height: int = 320,
    label_elke: int = 1,
    toelichting: str | None = None,
    totalen_tonen: bool = False,
) -> Chart:
    """Vertical stacked bars (e.g. per month), each series with its own colour and pattern."""
    ml, mr = 64, 16
    legend_items = [(r.naam, i, "vlak") for i, r in enumerate(reeksen)]
    legend_svg, legend_h = legend(chart_id, legend_items, ml, 18, width - ml - mr)
    mt, mb = 18 + legend_h + 14, 52
    x0, x1, y0, y1 = ml, width - mr, mt, height - mb
    totals = [sum((r.waarden[k] or 0) for r in reeksen) for k in range(len(categorieen))]
    top, step = nice_max(max(totals + [1]) * (1.08 if totalen_tonen else 1))
    n = max(1, len(categorieen))
    band = (x1 - x0) / n
    bw = max(2.0, band * 0.72)

    def ys(v: float) -> float:
        return y1 - v / top * (y1 - y0)

    out = [svg_open(chart_id, titel, beschrijving, width, height), legend_svg]
    out.append(y_axis(top, step, x0, x1, ys, y_label, y0, y1))
    for k, cat in enumerate(categorieen):
        bx = x0 + k * band + (band - bw) / 2
        acc = 0.0
        for i, r in enumerate(reeksen):
            v = r.waarden[k] or 0
            if v <= 0:
                continue
            ya, yb = ys(acc + v), ys(acc)
            out.append(filled_rect(i, bx, ya, bw, yb - ya, f"{cat}: {r.naam} {fmt.getal(v)}"))
            acc += v
        if totalen_tonen and acc > 0:
            out.append(f'<text x="{num(bx + bw / 2)}" y="{num(ys(acc) - 4)}" text-anchor="middle" fill="{TEKST}" '
                       f'font-size="10.5">{fmt.getal(acc)}</text>')
        if k % label_elke == 0:
            cx = bx + bw / 2
            out.append(f'<line x1="{num(cx)}" y1="{num(y1)}" x2="{num(cx)}" y2="{num(y1 + 4)}" stroke="{AS}"/>')
            out.append(f'<text x="{num(cx)}" y="{num(y1 + 17)}" text-anchor="middle" fill="{AS}">{esc(cat)}</text>')
    out.append(f'<line x1="{num(x0)}" y1="{num(y1)}" x2="{num(x1)}" y2="{num(y1)}" stroke="{AS}" stroke-width="1.2"/>')
    out.append(f'<text x="{num((x0 + x1) / 2)}" y="{num(height - 10)}" text-anchor="middle" fill="{TEKST}" class="as-titel">{esc(x_label)}</text>')
    out.append("</svg>")
    return Chart(chart_id, titel, "".join(out), tabel, toelichting)


def horizontal_bar_chart(
    chart_id: str,
    titel: str,
    categorieen: list[str],
    reeksen: list[Series],
    x_label: str,
    beschrijving: str,
    tabel: Table,
    width: int = 760,
    rij_hoogte: int = 34,
    toelichting: str | None = None,
    kleur_start: int = 0,
) -> Chart:
    """Horizontal stacked bars, one per category (e.g. per pilot), values printed in the segments
    where they fit and the total at the end of every bar."""
    label_w = max(text_width(c) for c in categorieen) + 14 if categorieen else 60
    ml, mr = max(90, label_w), 48
    legend_items = [(r.naam, kleur_start + i, "vlak") for i, r in enumerate(reeksen)]
    legend_svg, legend_h = legend(chart_id, legend_items, ml, 18, width - ml - mr)
    mt = 18 + legend_h + 10
    height = int(mt + len(categorieen) * rij_hoogte + 50)
    x0, x1, y0, y1 = ml, width - mr, mt, height - 42
    totals = [sum((r.waarden[k] or 0) for r in reeksen) for k in range(len(categorieen))]
    top, step = nice_max(max(totals + [1]))

    def xs(v: float) -> float:
        return x0 + v / top * (x1 - x0)

    out = [svg_open(chart_id, titel, beschrijving, width, height), legend_svg]
    v = 0.0
    while v <= top + 1e-9:
        px = xs(v)
        out.append(f'<line x1="{num(px)}" y1="{num(y0)}" x2="{num(px)}" y2="{num(y1)}" stroke="{RASTER}"/>')
        out.append(f'<text x="{num(px)}" y="{num(y1 + 16)}" text-anchor="middle" fill="{AS}">{fmt.getal(v)}</text>')
        v += step
    out.append(f'<text x="{num((x0 + x1) / 2)}" y="{num(height - 8)}" text-anchor="middle" fill="{TEKST}" class="as-titel">{esc(x_label)}</text>')
    bh = rij_hoogte * 0.62
    for k, cat in enumerate(categorieen):
        cy = y0 + k * rij_hoogte + rij_hoogte / 2
        out.append(f'<text x="{num(x0 - 8)}" y="{num(cy + 4)}" text-anchor="end" fill="{TEKST}">{esc(cat)}</text>')
        acc = 0.0
        for i, r in enumerate(reeksen):
            val = r.waarden[k] or 0
            if val <= 0:
                continue
            xa, xb = xs(acc), xs(acc + val)
            ci = kleur_start + i
            out.append(filled_rect(ci, xa, cy - bh / 2, xb - xa, bh, f"{cat}: {r.naam} {fmt.getal(val)}", rand_breedte=0.8))
            label = fmt.getal(val)
            if xb - xa > text_width(label) + 10:
                kleur = series_color(ci)
                tk = "#000000" if is_light(kleur) else "#ffffff"
                out.append(f'<text x="{num((xa + xb) / 2)}" y="{num(cy + 4)}" text-anchor="middle" fill="{tk}" '
                           f'font-weight="bold" class="label-in-staaf" paint-order="stroke" stroke="{kleur}" '
                           f'stroke-width="3">{label}</text>')
            acc += val
        out.append(f'<text x="{num(xs(acc) + 6)}" y="{num(cy + 4)}" fill="{TEKST}" font-weight="bold">{fmt.getal(acc)}</text>')
    out.append(f'<line x1="{num(x0)}" y1="{num(y0)}" x2="{num(x0)}" y2="{num(y1)}" stroke="{AS}" stroke-width="1.2"/>')
    out.append("</svg>")
    return Chart(chart_id, titel, "".join(out), tabel, toelichting)
