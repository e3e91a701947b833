"""The drawing primitives of the report's inline SVG charts: palette, hatching, markers, legend,
axis, label placement. `charts.py` composes them into line and bar charts.

Every chart is readable without colour: the Okabe-Ito palette (safe for the common forms of
colour blindness) is combined with a fill pattern per bar series, a dash style and marker shape
per line. Hatching is drawn as plain vector lines, not SVG patterns (see `hatching`).
"""

from __future__ import annotations

import math
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


def series_color(i: int) -> str:
    return KLEUREN[i % len(KLEUREN)]


def is_light(hex_kleur: str) -> bool:
    r, g, b = (int(hex_kleur[k:k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5


def text_width(text: str, px: float = FONT_PX) -> float:
    """Approximate rendered width of a sans-serif string (no font metrics without a browser)."""
    return sum(0.33 if c in "il.,:;|!'ijt()[]" else 0.78 if c.isupper() or c in "mw" else 0.56 for c in text) * px


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(v: float) -> str:
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


def hatching(soort: str, x: float, y: float, w: float, h: float, kleur: str) -> str:
    """Hatching drawn as plain vector lines inside a rectangle (no SVG <pattern>: those become
    one bitmap per use when printed to PDF, which made the printed report 20+ MB)."""
    if soort == "vol" or w < 2.5 or h < 2.5:
        return ""
    over = "#000000" if is_light(kleur) else "#ffffff"
    op = "0.45" if over == "#000000" else "0.75"
    g = ARCERING_AFSTAND
    d: list[str] = []
    x1, y1 = x + w, y + h

    def seg(ax: float, ay: float, bx: float, by: float) -> None:
        d.append(f"M{num(ax)},{num(ay)}L{num(bx)},{num(by)}")

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
                d.append(f"M{num(xx)},{num(yy)}h0")
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


def filled_rect(i: int, x: float, y: float, w: float, h: float, titel: str | None = None, rand: str = "#ffffff",
          rand_breedte: float = 0.6) -> str:
    """A filled rectangle in the colour and hatching of series `i`, with an optional tooltip."""
    kleur = series_color(i)
    tip = f"<title>{esc(titel)}</title>" if titel else ""
    rect = (f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(0.5, w))}" height="{num(max(0.5, h))}" fill="{kleur}" '
            f'stroke="{rand}" stroke-width="{rand_breedte}">{tip}</rect>')
    return rect + hatching(PATRONEN[i % len(PATRONEN)], x, y, w, h, kleur)


def marker(soort: str, x: float, y: float, kleur: str, r: float = 3.6) -> str:
    fill = f'fill="{kleur}" stroke="#ffffff" stroke-width="0.8"'
    if soort == "cirkel":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" {fill}/>'
    if soort == "vierkant":
        return f'<rect x="{num(x - r)}" y="{num(y - r)}" width="{num(2 * r)}" height="{num(2 * r)}" {fill}/>'
    if soort in ("driehoek", "driehoek_omlaag"):
        s = -1 if soort == "driehoek" else 1
        pts = [(x, y + s * r * 1.2), (x - r * 1.1, y - s * r * 0.8), (x + r * 1.1, y - s * r * 0.8)]
        return f'<polygon points="{" ".join(f"{num(a)},{num(b)}" for a, b in pts)}" {fill}/>'
    if soort == "ruit":
        pts = [(x, y - r * 1.3), (x + r * 1.1, y), (x, y + r * 1.3), (x - r * 1.1, y)]
        return f'<polygon points="{" ".join(f"{num(a)},{num(b)}" for a, b in pts)}" {fill}/>'
    if soort in ("kruis", "plus", "ster"):
        d = r if soort != "kruis" else r * 0.8
        if soort == "kruis":
            path = f"M{num(x - d)},{num(y - d)}L{num(x + d)},{num(y + d)}M{num(x - d)},{num(y + d)}L{num(x + d)},{num(y - d)}"
        else:
            path = f"M{num(x - d)},{num(y)}L{num(x + d)},{num(y)}M{num(x)},{num(y - d)}L{num(x)},{num(y + d)}"
        return f'<path d="{path}" stroke="{kleur}" stroke-width="2.2" fill="none"/>'
    return ""


def svg_open(chart_id: str, titel: str, beschrijving: str, w: int, h: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="grafiek" id="{chart_id}" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" role="img" aria-labelledby="{chart_id}-titel {chart_id}-desc" '
            f'font-size="{FONT_PX}" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{chart_id}-titel">{esc(titel)}</title><desc id="{chart_id}-desc">{esc(beschrijving)}</desc>')


def legend(chart_id: str, items: list[tuple[str, int, str]], x0: float, y0: float, max_w: float) -> tuple[str, float]:
    """Legend in rows at the top: (label, series index, kind 'vlak'|'lijn'|'ref'). Returns svg and height."""
    out, x, y = [], x0, y0
    for label, i, soort in items:
        w = (34 if soort != "vlak" else 18) + text_width(label) + 18
        if x + w > x0 + max_w and x > x0:
            x, y = x0, y + 20
        if soort == "vlak":
            out.append(filled_rect(i, x, y - 11, 14, 14, rand=TEKST))
            tx = x + 19
        elif soort == "ref":
            out.append(f'<line x1="{num(x)}" y1="{num(y - 4)}" x2="{num(x + 28)}" y2="{num(y - 4)}" stroke="{TEKST}" '
                       f'stroke-width="1.6" stroke-dasharray="3 3"/>')
            tx = x + 34
        else:
            kleur = series_color(i)
            dash = STREEPJES[i % len(STREEPJES)]
            out.append(f'<line x1="{num(x)}" y1="{num(y - 4)}" x2="{num(x + 28)}" y2="{num(y - 4)}" stroke="{kleur}" '
                       f'stroke-width="2.4"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
            out.append(marker(MARKERS[i % len(MARKERS)], x + 14, y - 4, kleur, 3.2))
            tx = x + 34
        out.append(f'<text x="{num(tx)}" y="{num(y)}" fill="{TEKST}">{esc(label)}</text>')
        x += w
    return "".join(out), y - y0 + 20


def y_axis(top: float, step: float, x0: float, x1: float, yscale, label: str, y_top: float, y_bot: float,
          procent: bool = False) -> str:
    out = []
    v = 0.0
    while v <= top + 1e-9:
        y = yscale(v)
        out.append(f'<line x1="{num(x0)}" y1="{num(y)}" x2="{num(x1)}" y2="{num(y)}" stroke="{RASTER}" stroke-width="1"/>')
        tekst = fmt.procent(v) if procent else fmt.getal(v, 0 if step >= 1 else 1)
        out.append(f'<text x="{num(x0 - 6)}" y="{num(y + 4)}" text-anchor="end" fill="{AS}">{tekst}</text>')
        v += step
    mid = (y_top + y_bot) / 2
    out.append(f'<text x="14" y="{num(mid)}" transform="rotate(-90 14 {num(mid)})" text-anchor="middle" '
               f'fill="{TEKST}" class="as-titel">{esc(label)}</text>')
    return "".join(out)


def spread_labels(posities: list[tuple[float, int]], min_afstand: float, lo: float, hi: float) -> dict[int, float]:
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
