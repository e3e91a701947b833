"""Plain-text tables for the command line (people) and CSV (scripts).

Tables for people fit a terminal of `MAX_WIDTH` (100) columns: a table that would be wider gets
its widest text columns wrapped over more lines (numbers are never wrapped). Callers with many
numeric columns transpose instead (the monitor table, pipelines/monitor_table.py).
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Sequence

MAX_WIDTH = 100
MIN_WRAPPED_WIDTH = 12


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], max_width: int = MAX_WIDTH) -> str:
    """Columns padded to width; numbers right-aligned, text left-aligned; at most `max_width` wide
    where wrapping text columns can make it so."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    numeric = [
        all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    widths = _fit(widths, numeric, [len(h) for h in headers], max_width)

    def lines(values: Sequence[str]) -> list[str]:
        wrapped = [textwrap.wrap(v, widths[i], break_on_hyphens=False) or [""] if len(v) > widths[i] else [v]
                   for i, v in enumerate(values)]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = [(w[k] if k < len(w) else "") for w in wrapped]
            out.append("  ".join(
                p.rjust(widths[i]) if numeric[i] else p.ljust(widths[i]) for i, p in enumerate(parts)
            ).rstrip())
        return out

    out = lines(list(headers)) + ["  ".join("-" * w for w in widths)]
    for row in cells:
        out += lines(row)
    return "\n".join(out)


def _fit(widths: list[int], numeric: list[bool], header_widths: list[int], max_width: int) -> list[int]:
    """Narrow the widest text columns (not below a header word or `MIN_WRAPPED_WIDTH`) until the
    table fits `max_width`, or nothing more can be narrowed."""
    widths = list(widths)
    total = lambda: sum(widths) + 2 * (len(widths) - 1)  # noqa: E731
    while total() > max_width:
        candidates = [i for i, w in enumerate(widths)
                      if not numeric[i] and w > max(MIN_WRAPPED_WIDTH, min(header_widths[i], MIN_WRAPPED_WIDTH))]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] = max(MIN_WRAPPED_WIDTH, widths[widest] - (total() - max_width))
    return widths


def format_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()
