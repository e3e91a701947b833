"""Dutch formatting of numbers and dates, as a letter to the Tweede Kamer writes them."""

from __future__ import annotations

from datetime import date

MAANDEN = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
MAANDEN_KORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def getal(value: float | int | None, decimals: int = 0) -> str:
    """1310 → '1.310'; 67.45 (decimals=1) → '67,5'; None → '–' (no figure)."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def verschil(value: float | int | None) -> str:
    """A change with its sign: +12, −3 (a real minus sign), 0."""
    if value is None:
        return "–"
    if value > 0:
        return "+" + getal(value)
    if value < 0:
        return "\u2212" + getal(-value)
    return "0"


def procent(value: float | None, decimals: int = 0) -> str:
    """0.675 → '68%' (a fraction in, a percentage out)."""
    if value is None:
        return "–"
    return getal(value * 100, decimals) + "%"


def datum(d: date) -> str:
    """date(2020, 11, 1) → '1 november 2020'."""
    return f"{d.day} {MAANDEN[d.month - 1]} {d.year}"


def maand(d: date, kort: bool = False) -> str:
    """date(2020, 11, 1) → 'november 2020' (kort: 'nov 2020')."""
    names = MAANDEN_KORT if kort else MAANDEN
    return f"{names[d.month - 1]} {d.year}"


def maand_label(jaar_maand: str) -> str:
    """'2020-11' → 'nov 2020'."""
    jaar, mnd = jaar_maand.split("-")
    return f"{MAANDEN_KORT[int(mnd) - 1]} {jaar}"
