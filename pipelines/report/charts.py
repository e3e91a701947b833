"""Inline SVG charts, drawn in Python: no JavaScript, no fonts or libraries from the network.

Every chart is readable without colour: the Okabe-Ito palette (safe for the common forms of
colour blindness) is combined with a fill pattern per bar series, a dash style and marker shape
per line, direct labels at the end of lines and values printed in or next to bars. Every chart
comes with a `Tabel` holding exactly its numbers; the report shows it under the chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from html import escape

from pipelines.report import fmt

# Okabe & Ito (2008), "Color Universal Design". Yellow last: weak on white, fine as a fill.
KLEUREN: tuple[str, ...] = (
    "#0072B2",  # blauw
    "#E69F00",  # oranje
    "#009E73", # blauwgroen
    "#CC79A7",  # roodpaars
    "#56B4E9",  # hemelsblauw
    "#D55E00",  # vermiljoen
    "#000000",  # zwart
    "#F0E442",  # geel
)
PATRONEN: tuple[str, ...] = ("vol", "diagonaal", "stippen", "kruis", "horizontaal", "tegendiagonaal", "verticaal", "raster")
STREEPJES: tuple[str, ...] = ("", "7 4", "2 3", "9 3 2 3", "4 4", "12 3", "1 2", "6 2 2 2 2 2")
MARKERS: tuple[str, ...] = ("cirkel", "vierkant", "driehoek", "ruit", "kruis", "driehoek_omlaag", "plus", "ster")

TEKST = "#1f2933"
AS = "#4b5563"
RASTER = "#d8dde3"
FONT_PX = 12


@dataclass
class Tabel:
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
class Grafiek:
    id: str
    titel: str
    svg: str
    tabel: Tabel
    toelichting: str | None = None


@dataclass
class Reeks:
    naam: str
    waarden: list[float | None]
    kleur: int | None = None  # index into KLEUREN/PATRONEN/STREEPJES; default: position
    dik: bool = False


def _kleur(i: int) -> str:
    return KLEUREN[i % len(KLEUREN)]


def _is_licht(hex_kleur: str) -> bool:
    r, g, b = (int(hex_kleur[k:k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5


def _tekst_breedte(text: str, px: float = FONT_PX) -> float:
    """Approximate rendered width of a sans-serif string (no font metrics without a browser)."""
    return sum(0.33 if c in "il.,:;|!'ijt()[]" else 0.78 if c.isupper() or c in "mw" else 0.56 for c in text) * px


def _t(text: object) -> str:
    return escape(str(text), quote=True)


def _n(v: float) -> str:
    """Compact coordinate."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def nice_max(value: float) -> tuple[float, float]:
    """A round upper bound for an axis starting at 0, and its tick step (4 to 6 ticks)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 5
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if step >= 1 and step != int(step):
            continue  # counts get whole-number ticks: no 2.5, 7.5
        if step >= raw:
            break
    if step < 1:
        step = 1.0
    top = math.ceil(value / step) * step
    if top == value:
        top = value  # a bar that touches the top is fine
    return top, step


ARCERING_AFSTAND = 5.5


def _arcering(soort: str, x: float, y: float, w: float, h: float, kleur: str) -> str:
    """Hatching drawn as plain vector lines inside a rectangle (no SVG <pattern>: those become
    one bitmap per use when printed to PDF, which made the printed report 20+ MB)."""
    if soort == "vol" or w < 2.5 or h < 2.5:
        return ""
    over = "#000000" if _is_licht(kleur) else "#ffffff"
    op = "0.45" if over == "#000000" else "0.75"
    g = ARCERING_AFSTAND
    d: list[str] = []
    x1, y1 = x + w, y + h

    def seg(ax: float, ay: float, bx: float, by: float) -> None:
        d.append(f"M{_n(ax)},{_n(ay)}L{_n(bx)},{_n(by)}")

    if soort in ("verticaal", "raster"):
        xx = x + g / 2
        while xx < x1:
            seg(xx, y, xx, y1)
            xx += g
    if soort in ("horizontaal", "raster"):
        yy = y + g / 2
        while yy < y1:
            seg(x, yy, x1, yy)
            yy += g
    step = g * math.sqrt(2)
    if soort in ("diagonaal", "kruis"):  # "/": x + y = c
        c = x + y + step / 2
        while c < x1 + y1:
            xa, xb = max(x, c - y1), min(x1, c - y)
            if xb - xa > 0.2:
                seg(xa, c - xa, xb, c - xb)
            c += step
    if soort in ("tegendiagonaal", "kruis"):  # "\": y - x = c
        c = y - x1 + step / 2
        while c < y1 - x:
            xa, xb = max(x, y - c), min(x1, y1 - c)
            if xb - xa > 0.2:
                seg(xa, xa + c, xb, xb + c)
            c += step
    if soort == "stippen":  # zero-length subpaths with round caps are dots
        row = 0
        yy = y + g / 2
        while yy < y1 - 0.8:
            xx = x + (g / 2 if row % 2 == 0 else g)
            while xx < x1 - 0.8:
                d.append(f"M{_n(xx)},{_n(yy)}h0")
                xx += g
            yy += g * 0.87
            row += 1
        if not d:
            return ""
        return (f'<path d="{"".join(d)}" stroke="{over}" stroke-opacity="{op}" stroke-width="2.4" '
                f'stroke-linecap="round" fill="none" aria-hidden="true"/>')
    if not d:
        return ""
    return (f'<path d="{"".join(d)}" stroke="{over}" stroke-opacity="{op}" stroke-width="1.4" '
            f'fill="none" aria-hidden="true"/>')


def _vlak(i: int, x: float, y: float, w: float, h: float, titel: str | None = None, rand: str = "#ffffff",
          rand_breedte: float = 0.6) -> str:
    """A filled rectangle in the colour and hatching of series `i`, with an optional tooltip."""
    kleur = _kleur(i)
    tip = f"<title>{_t(titel)}</title>" if titel else ""
    rect = (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(0.5, w))}" height="{_n(max(0.5, h))}" fill="{kleur}" '
            f'stroke="{rand}" stroke-width="{rand_breedte}">{tip}</rect>')
    return rect + _arcering(PATRONEN[i % len(PATRONEN)], x, y, w, h, kleur)


def _marker(soort: str, x: float, y: float, kleur: str, r: float = 3.6) -> str:
    fill = f'fill="{kleur}" stroke="#ffffff" stroke-width="0.8"'
    if soort == "cirkel":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" {fill}/>'
    if soort == "vierkant":
        return f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(2 * r)}" height="{_n(2 * r)}" {fill}/>'
    if soort in ("driehoek", "driehoek_omlaag"):
        s = -1 if soort == "driehoek" else 1
        pts = [(x, y + s * r * 1.2), (x - r * 1.1, y - s * r * 0.8), (x + r * 1.1, y - s * r * 0.8)]
        return f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in pts)}" {fill}/>'
    if soort == "ruit":
        pts = [(x, y - r * 1.3), (x + r * 1.1, y), (x, y + r * 1.3), (x - r * 1.1, y)]
        return f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in pts)}" {fill}/>'
    if soort in ("kruis", "plus", "ster"):
        d = r if soort != "kruis" else r * 0.8
        if soort == "kruis":
            path = f"M{_n(x - d)},{_n(y - d)}L{_n(x + d)},{_n(y + d)}M{_n(x - d)},{_n(y + d)}L{_n(x + d)},{_n(y - d)}"
        else:
            path = f"M{_n(x - d)},{_n(y)}L{_n(x + d)},{_n(y)}M{_n(x)},{_n(y - d)}L{_n(x)},{_n(y + d)}"
        return f'<path d="{path}" stroke="{kleur}" stroke-width="2.2" fill="none"/>'
    return ""


def _svg_open(chart_id: str, titel: str, beschrijving: str, w: int, h: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="grafiek" id="{chart_id}" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" role="img" aria-labelledby="{chart_id}-titel {chart_id}-desc" '
            f'font-size="{FONT_PX}" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{chart_id}-titel">{_t(titel)}</title><desc id="{chart_id}-desc">{_t(beschrijving)}</desc>')


def _legenda(chart_id: str, items: list[tuple[str, int, str]], x0: float, y0: float, max_w: float) -> tuple[str, float]:
    """Legend in rows at the top: (label, series index, kind 'vlak'|'lijn'|'ref'). Returns svg and height."""
    out, x, y = [], x0, y0
    for label, i, soort in items:
        w = (34 if soort != "vlak" else 18) + _tekst_breedte(label) + 18
        if x + w > x0 + max_w and x > x0:
            x, y = x0, y + 20
        if soort == "vlak":
            out.append(_vlak(i, x, y - 11, 14, 14, rand=TEKST))
            tx = x + 19
        elif soort == "ref":
            out.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 28)}" y2="{_n(y - 4)}" stroke="{TEKST}" '
                       f'stroke-width="1.6" stroke-dasharray="3 3"/>')
            tx = x + 34
        else:
            kleur = _kleur(i)
            dash = STREEPJES[i % len(STREEPJES)]
            out.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 28)}" y2="{_n(y - 4)}" stroke="{kleur}" '
                       f'stroke-width="2.4"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
            out.append(_marker(MARKERS[i % len(MARKERS)], x + 14, y - 4, kleur, 3.2))
            tx = x + 34
        out.append(f'<text x="{_n(tx)}" y="{_n(y)}" fill="{TEKST}">{_t(label)}</text>')
        x += w
    return "".join(out), y - y0 + 20


def _y_as(top: float, step: float, x0: float, x1: float, yscale, label: str, y_top: float, y_bot: float,
          procent: bool = False) -> str:
    out = []
    v = 0.0
    while v <= top + 1e-9:
        y = yscale(v)
        out.append(f'<line x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x1)}" y2="{_n(y)}" stroke="{RASTER}" stroke-width="1"/>')
        tekst = fmt.procent(v) if procent else fmt.getal(v, 0 if step >= 1 else 1)
        out.append(f'<text x="{_n(x0 - 6)}" y="{_n(y + 4)}" text-anchor="end" fill="{AS}">{tekst}</text>')
        v += step
    mid = (y_top + y_bot) / 2
    out.append(f'<text x="14" y="{_n(mid)}" transform="rotate(-90 14 {_n(mid)})" text-anchor="middle" '
               f'fill="{TEKST}" class="as-titel">{_t(label)}</text>')
    return "".join(out)


def _spreid_labels(posities: list[tuple[float, int]], min_afstand: float, lo: float, hi: float) -> dict[int, float]:
    """Push direct labels apart vertically so they do not overlap: (y, key) -> key: new y."""
    if not posities:
        return {}
    ordered = sorted(posities)
    ys = [y for y, _ in ordered]
    for k in range(1, len(ys)):
        ys[k] = max(ys[k], ys[k - 1] + min_afstand)
    overshoot = ys[-1] - hi
    if overshoot > 0:
        ys = [y - overshoot for y in ys]
        for k in range(len(ys) - 2, -1, -1):
            ys[k] = min(ys[k], ys[k + 1] - min_afstand)
    ys = [max(y, lo) for y in ys]
    return {key: y for (_, key), y in zip(ordered, ys)}


def lijngrafiek(
    chart_id: str,
    titel: str,
    x: list[date],
    reeksen: list[Reeks],
    y_label: str,
    beschrijving: str,
    tabel: Tabel,
    x_label: str = "Datum",
    referenties: list[tuple[float, str]] | None = None,
    markers: bool = True,
    procent: bool = False,
    width: int = 760,
    height: int = 330,
    toelichting: str | None = None,
    y_min_top: float = 0,
) -> Grafiek:
    """Lines over time, each with its own colour, dash style and marker, labelled at its end.

    `referenties` are horizontal dashed reference lines (e.g. the capacity), labelled in place.
    """
    referenties = referenties or []
    label_w = max([_tekst_breedte(r.naam) for r in reeksen] + [0]) + 16
    ml, mr = 64, max(60, min(200, label_w))
    legend_items = [(r.naam, r.kleur if r.kleur is not None else i, "lijn") for i, r in enumerate(reeksen)]
    legend_items += [(lab, 0, "ref") for _, lab in referenties]
    legend_svg, legend_h = _legenda(chart_id, legend_items, ml, 18, width - ml - mr)
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

    out = [_svg_open(chart_id, titel, beschrijving, width, height)]
    out.append(legend_svg)
    out.append(_y_as(top, step, x0, x1, ys, y_label, y0, y1, procent))
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
            out.append(f'<line x1="{_n(px)}" y1="{_n(y1)}" x2="{_n(px)}" y2="{_n(y1 + 5)}" stroke="{AS}"/>')
            out.append(f'<text x="{_n(px)}" y="{_n(y1 + 18)}" text-anchor="middle" fill="{AS}">{fmt.maand(tk, kort=True)}</text>')
    out.append(f'<line x1="{_n(x0)}" y1="{_n(y1)}" x2="{_n(x1)}" y2="{_n(y1)}" stroke="{AS}" stroke-width="1.2"/>')
    out.append(f'<text x="{_n((x0 + x1) / 2)}" y="{_n(height - 8)}" text-anchor="middle" fill="{TEKST}" class="as-titel">{_t(x_label)}</text>')
    for v, lab in referenties:
        py = ys(v)
        out.append(f'<line x1="{_n(x0)}" y1="{_n(py)}" x2="{_n(x1)}" y2="{_n(py)}" stroke="{TEKST}" '
                   f'stroke-width="1.6" stroke-dasharray="3 3"/>')
        out.append(f'<text x="{_n(x0 + 6)}" y="{_n(py - 5)}" fill="{TEKST}" class="label-ref">{_t(lab)}</text>')
    ends = []
    for i, r in enumerate(reeksen):
        ci = r.kleur if r.kleur is not None else i
        kleur = _kleur(ci)
        dash = STREEPJES[ci % len(STREEPJES)]
        pts = [(xs(d), ys(v)) for d, v in zip(x, r.waarden) if v is not None]
        if not pts:
            continue
        path = "M" + "L".join(f"{_n(a)},{_n(b)}" for a, b in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path d="{path}" fill="none" stroke="{kleur}" stroke-width="{3 if r.dik else 2.2}"'
                   f'{dash_attr} stroke-linejoin="round"/>')
        if markers:
            out.extend(_marker(MARKERS[ci % len(MARKERS)], a, b, kleur) for a, b in pts)
        else:
            a, b = pts[-1]
            out.append(_marker(MARKERS[ci % len(MARKERS)], a, b, kleur))
        last_v = [v for v in r.waarden if v is not None][-1]
        ends.append((pts[-1][1], i, r.naam, last_v, kleur))
    placed = _spreid_labels([(y, i) for y, i, *_ in ends], 15, y0 + 4, y1)
    for y, i, naam, v, kleur in ends:
        ly = placed[i]
        waarde = fmt.procent(v) if procent else fmt.getal(v)
        out.append(f'<text x="{_n(x1 + 8)}" y="{_n(ly + 4)}" fill="{TEKST}" class="label-direct">'
                   f'<tspan font-weight="bold">{waarde}</tspan> {_t(naam)}</text>')
    out.append("</svg>")
    return Grafiek(chart_id, titel, "".join(out), tabel, toelichting)


def staafgrafiek(
    chart_id: str,
    titel: str,
    categorieen: list[str],
    reeksen: list[Reeks],
    y_label: str,
    x_label: str,
    beschrijving: str,
    tabel: Tabel,
    width: int = 760,
    height: int = 320,
    label_elke: int = 1,
    toelichting: str | None = None,
    totalen_tonen: bool = False,
) -> Grafiek:
    """Vertical stacked bars (e.g. per month), each series with its own colour and pattern."""
    ml, mr = 64, 16
    legend_items = [(r.naam, i, "vlak") for i, r in enumerate(reeksen)]
    legend_svg, legend_h = _legenda(chart_id, legend_items, ml, 18, width - ml - mr)
    mt, mb = 18 + legend_h + 14, 52
    x0, x1, y0, y1 = ml, width - mr, mt, height - mb
    totals = [sum((r.waarden[k] or 0) for r in reeksen) for k in range(len(categorieen))]
    top, step = nice_max(max(totals + [1]) * (1.08 if totalen_tonen else 1))
    n = max(1, len(categorieen))
    band = (x1 - x0) / n
    bw = max(2.0, band * 0.72)

    def ys(v: float) -> float:
        return y1 - v / top * (y1 - y0)

    out = [_svg_open(chart_id, titel, beschrijving, width, height), legend_svg]
    out.append(_y_as(top, step, x0, x1, ys, y_label, y0, y1))
    for k, cat in enumerate(categorieen):
        bx = x0 + k * band + (band - bw) / 2
        acc = 0.0
        for i, r in enumerate(reeksen):
            v = r.waarden[k] or 0
            if v <= 0:
                continue
            ya, yb = ys(acc + v), ys(acc)
            out.append(_vlak(i, bx, ya, bw, yb - ya, f"{cat}: {r.naam} {fmt.getal(v)}"))
            acc += v
        if totalen_tonen and acc > 0:
            out.append(f'<text x="{_n(bx + bw / 2)}" y="{_n(ys(acc) - 4)}" text-anchor="middle" fill="{TEKST}" '
                       f'font-size="10.5">{fmt.getal(acc)}</text>')
        if k % label_elke == 0:
            cx = bx + bw / 2
            out.append(f'<line x1="{_n(cx)}" y1="{_n(y1)}" x2="{_n(cx)}" y2="{_n(y1 + 4)}" stroke="{AS}"/>')
            out.append(f'<text x="{_n(cx)}" y="{_n(y1 + 17)}" text-anchor="middle" fill="{AS}">{_t(cat)}</text>')
    out.append(f'<line x1="{_n(x0)}" y1="{_n(y1)}" x2="{_n(x1)}" y2="{_n(y1)}" stroke="{AS}" stroke-width="1.2"/>')
    out.append(f'<text x="{_n((x0 + x1) / 2)}" y="{_n(height - 10)}" text-anchor="middle" fill="{TEKST}" class="as-titel">{_t(x_label)}</text>')
    out.append("</svg>")
    return Grafiek(chart_id, titel, "".join(out), tabel, toelichting)


def liggende_staven(
    chart_id: str,
    titel: str,
    categorieen: list[str],
    reeksen: list[Reeks],
    x_label: str,
    beschrijving: str,
    tabel: Tabel,
    width: int = 760,
    rij_hoogte: int = 34,
    toelichting: str | None = None,
    kleur_start: int = 0,
) -> Grafiek:
    """Horizontal stacked bars, one per category (e.g. per pilot), values printed in the segments
    where they fit and the total at the end of every bar."""
    label_w = max(_tekst_breedte(c) for c in categorieen) + 14 if categorieen else 60
    ml, mr = max(90, label_w), 48
    legend_items = [(r.naam, kleur_start + i, "vlak") for i, r in enumerate(reeksen)]
    legend_svg, legend_h = _legenda(chart_id, legend_items, ml, 18, width - ml - mr)
    mt = 18 + legend_h + 10
    height = int(mt + len(categorieen) * rij_hoogte + 50)
    x0, x1, y0, y1 = ml, width - mr, mt, height - 42
    totals = [sum((r.waarden[k] or 0) for r in reeksen) for k in range(len(categorieen))]
    top, step = nice_max(max(totals + [1]))

    def xs(v: float) -> float:
        return x0 + v / top * (x1 - x0)

    out = [_svg_open(chart_id, titel, beschrijving, width, height), legend_svg]
    v = 0.0
    while v <= top + 1e-9:
        px = xs(v)
        out.append(f'<line x1="{_n(px)}" y1="{_n(y0)}" x2="{_n(px)}" y2="{_n(y1)}" stroke="{RASTER}"/>')
        out.append(f'<text x="{_n(px)}" y="{_n(y1 + 16)}" text-anchor="middle" fill="{AS}">{fmt.getal(v)}</text>')
        v += step
    out.append(f'<text x="{_n((x0 + x1) / 2)}" y="{_n(height - 8)}" text-anchor="middle" fill="{TEKST}" class="as-titel">{_t(x_label)}</text>')
    bh = rij_hoogte * 0.62
    for k, cat in enumerate(categorieen):
        cy = y0 + k * rij_hoogte + rij_hoogte / 2
        out.append(f'<text x="{_n(x0 - 8)}" y="{_n(cy + 4)}" text-anchor="end" fill="{TEKST}">{_t(cat)}</text>')
        acc = 0.0
        for i, r in enumerate(reeksen):
            val = r.waarden[k] or 0
            if val <= 0:
                continue
            xa, xb = xs(acc), xs(acc + val)
            ci = kleur_start + i
            out.append(_vlak(ci, xa, cy - bh / 2, xb - xa, bh, f"{cat}: {r.naam} {fmt.getal(val)}", rand_breedte=0.8))
            label = fmt.getal(val)
            if xb - xa > _tekst_breedte(label) + 10:
                kleur = _kleur(ci)
                tk = "#000000" if _is_licht(kleur) else "#ffffff"
                out.append(f'<text x="{_n((xa + xb) / 2)}" y="{_n(cy + 4)}" text-anchor="middle" fill="{tk}" '
                           f'font-weight="bold" class="label-in-staaf" paint-order="stroke" stroke="{kleur}" '
                           f'stroke-width="3">{label}</text>')
            acc += val
        out.append(f'<text x="{_n(xs(acc) + 6)}" y="{_n(cy + 4)}" fill="{TEKST}" font-weight="bold">{fmt.getal(acc)}</text>')
    out.append(f'<line x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x0)}" y2="{_n(y1)}" stroke="{AS}" stroke-width="1.2"/>')
    out.append("</svg>")
    return Grafiek(chart_id, titel, "".join(out), tabel, toelichting)
